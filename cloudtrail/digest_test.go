package cloudtrail

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestDigestFileRoundTrip(t *testing.T) {
	d := &Digest{
		AWSAccountID:             "111122223333",
		DigestStartTime:          "2026-01-02T10:00:00Z",
		DigestEndTime:            "2026-01-02T11:00:00Z",
		DigestS3Object:           "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/01/02/111122223333_CloudTrail-Digest_us-east-1_trailbridge_us-east-1_20260102T110000Z.json.gz",
		DigestSignatureAlgorithm: ChainAlgorithm,
		LogFiles: []DigestLogFile{
			{S3Object: "a", HashValue: Hash([]byte("a")), HashAlgorithm: HashAlgorithm, NewestEventTime: "2026-01-02T10:05:00Z", OldestEventTime: "2026-01-02T10:01:00Z"},
			{S3Object: "b", HashValue: Hash([]byte("b")), HashAlgorithm: HashAlgorithm, NewestEventTime: "2026-01-02T10:09:00Z", OldestEventTime: "2026-01-02T10:00:30Z"},
		},
	}
	d.SetEventTimes()
	d.SetPrevious("", "AWSLogs/prev.json.gz", Hash([]byte("previous digest")))
	file, err := d.MarshalFile()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadDigest(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := *back.NewestEventTime+" "+*back.OldestEventTime, "2026-01-02T10:09:00Z 2026-01-02T10:00:30Z"; got != want {
		t.Errorf("event times: got %s, want %s", got, want)
	}
	_, key, hash, ok := back.Previous()
	if !ok || key != "AWSLogs/prev.json.gz" || hash != Hash([]byte("previous digest")) {
		t.Errorf("previous: got %q %q %v", key, hash, ok)
	}
	if got, want := len(back.LogFiles), 2; got != want {
		t.Fatalf("log files: got %d, want %d", got, want)
	}
	if back.LogFiles[1] != d.LogFiles[1] {
		t.Errorf("log file: got %+v, want %+v", back.LogFiles[1], d.LogFiles[1])
	}
}

func TestFirstDigestHasNullLinks(t *testing.T) {
	d := &Digest{AWSAccountID: "111122223333", DigestSignatureAlgorithm: ChainAlgorithm}
	d.SetEventTimes()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"previousDigestHashValue":null`, `"newestEventTime":null`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("%s lacks %s", b, field)
		}
	}
	if _, _, _, ok := d.Previous(); ok {
		t.Error("the first digest has a previous one")
	}
}

func TestHashIsHexSHA256(t *testing.T) {
	if got, want := Hash([]byte("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
