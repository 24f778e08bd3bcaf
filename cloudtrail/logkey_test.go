package cloudtrail

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewLogKey(t *testing.T) {
	at := time.Date(2015, 8, 1, 2, 10, 42, 5, time.FixedZone("x", 3600))
	k := NewLogKey("111122223333", "us-east-2", at)
	if got, want := len(k.Unique), 16; got != want {
		t.Fatalf("unique string %q: %d characters, want %d", k.Unique, got, want)
	}
	want := "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0110Z_" + k.Unique + ".json.gz"
	if got := k.String(); got != want {
		t.Errorf("key:\n got %s\nwant %s", got, want)
	}
	if k2 := NewLogKey("111122223333", "us-east-2", at); k2.Unique == k.Unique {
		t.Errorf("two keys share the unique string %q", k.Unique)
	}
	back, err := ParseLogKey(k.String())
	if err != nil {
		t.Fatal(err)
	}
	if back != k {
		t.Errorf("parsed back: got %+v, want %+v", back, k)
	}
}

func TestParseLogKey(t *testing.T) {
	at := time.Date(2015, 8, 1, 2, 10, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, in string
		want     LogKey
		err      string
	}{
		{"name alone parses", "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz",
			LogKey{Account: "111122223333", Region: "us-east-2", Time: at, Unique: "Mu0KsOhtH1ar15ZZ"}, ""},
		{"plain name parses", "218007301253_CloudTrail_us-east-1_20230710T1145Z_7xgocspSowgK0Gto.json",
			LogKey{Account: "218007301253", Region: "us-east-1", Time: time.Date(2023, 7, 10, 11, 45, 0, 0, time.UTC), Unique: "7xgocspSowgK0Gto", Plain: true}, ""},
		{"full key parses", "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz",
			LogKey{Account: "111122223333", Region: "us-east-2", Time: at, Unique: "Mu0KsOhtH1ar15ZZ"}, ""},
		{"prefixed key parses", "my/prefix/AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz",
			LogKey{Prefix: "my/prefix", Account: "111122223333", Region: "us-east-2", Time: at, Unique: "Mu0KsOhtH1ar15ZZ"}, ""},
		{"organization key parses", "AWSLogs/o-exampleorgid/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz",
			LogKey{OrgID: "o-exampleorgid", Account: "111122223333", Region: "us-east-2", Time: at, Unique: "Mu0KsOhtH1ar15ZZ"}, ""},
		{"other extension fails", "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.txt", LogKey{}, "does not end"},
		{"digest name fails", "111122223333_CloudTrail-Digest_us-east-2_t_us-east-2_20150801T021000Z.json.gz", LogKey{}, "not ACCOUNT_CloudTrail"},
		{"bad time fails", "111122223333_CloudTrail_us-east-2_20150801T02Z_Mu0KsOhtH1ar15ZZ.json.gz", LogKey{}, "not YYYYMMDDTHHmmZ"},
		{"short account fails", "1111_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz", LogKey{}, "not 12 digits"},
		{"bad region fails", "111122223333_CloudTrail_US.EAST_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz", LogKey{}, "not a region"},
		{"bad unique string fails", "111122223333_CloudTrail_us-east-2_20150801T0210Z_a-b.json.gz", LogKey{}, "unique string"},
		{"folder without AWSLogs fails", "logs/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz", LogKey{}, "no AWSLogs"},
		{"folder of another account fails", "AWSLogs/444455556666/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz", LogKey{}, "account"},
		{"folder of another day fails", "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/02/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz", LogKey{}, "date"},
		{"digest folder fails", "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz", LogKey{}, "is not CloudTrail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLogKey(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if strings.Contains(tc.in, "/") {
				if got.String() != tc.in {
					t.Errorf("String: got %s, want %s", got.String(), tc.in)
				}
			} else if got.Name() != tc.in {
				t.Errorf("Name: got %s, want %s", got.Name(), tc.in)
			}
		})
	}
}

func TestParseSharedFileNames(t *testing.T) {
	for _, f := range sharedFiles(t) {
		k, err := ParseLogKey(filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		if k.Account != "218007301253" || k.Region != "us-east-1" || !k.Plain {
			t.Errorf("%s: got %+v", f, k)
		}
	}
}

func TestParseDigestKey(t *testing.T) {
	at := time.Date(2015, 8, 16, 23, 2, 17, 0, time.UTC)
	for _, tc := range []struct {
		name, in string
		want     DigestKey
		err      string
	}{
		{"full key parses", "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/16/111122223333_CloudTrail-Digest_us-east-2_my-trail_us-east-1_20150816T230217Z.json.gz",
			DigestKey{Account: "111122223333", Region: "us-east-2", Trail: "my-trail", HomeRegion: "us-east-1", Time: at}, ""},
		{"trail name with underscores parses", "111122223333_CloudTrail-Digest_us-east-2_my_trail_us-east-1_20150816T230217Z.json.gz",
			DigestKey{Account: "111122223333", Region: "us-east-2", Trail: "my_trail", HomeRegion: "us-east-1", Time: at}, ""},
		{"organization key parses", "p/AWSLogs/o-abc/111122223333/CloudTrail-Digest/us-east-2/2015/08/16/111122223333_CloudTrail-Digest_us-east-2_t_us-east-1_20150816T230217Z.json.gz",
			DigestKey{Prefix: "p", OrgID: "o-abc", Account: "111122223333", Region: "us-east-2", Trail: "t", HomeRegion: "us-east-1", Time: at}, ""},
		{"log file name fails", "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz", DigestKey{}, "not ACCOUNT_CloudTrail-Digest"},
		{"minute time fails", "111122223333_CloudTrail-Digest_us-east-2_t_us-east-1_20150816T2302Z.json.gz", DigestKey{}, "YYYYMMDDTHHmmssZ"},
		{"missing trail fails", "111122223333_CloudTrail-Digest_us-east-2_us-east-1_20150816T230217Z.json.gz", DigestKey{}, "not ACCOUNT"},
		{"log folder fails", "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/16/111122223333_CloudTrail-Digest_us-east-2_t_us-east-1_20150816T230217Z.json.gz", DigestKey{}, "is not CloudTrail-Digest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDigestKey(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if strings.Contains(tc.in, "/") && got.String() != tc.in {
				t.Errorf("String: got %s, want %s", got.String(), tc.in)
			}
		})
	}
}

func FuzzParseLogKey(f *testing.F) {
	f.Add("AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz")
	f.Add("p/AWSLogs/o-x/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json")
	f.Add("111122223333_CloudTrail-Digest_us-east-2_my_trail_us-east-1_20150816T230217Z.json.gz")
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := ParseLogKey(s); err == nil {
			again, err := ParseLogKey(k.String())
			if err != nil {
				t.Fatalf("%q parsed as %+v, whose key %q does not parse: %v", s, k, k.String(), err)
			}
			if again != k {
				t.Fatalf("%q: %+v, then %+v", s, k, again)
			}
		}
		if k, err := ParseDigestKey(s); err == nil {
			again, err := ParseDigestKey(k.String())
			if err != nil {
				t.Fatalf("%q parsed as %+v, whose key %q does not parse: %v", s, k, k.String(), err)
			}
			if again != k {
				t.Fatalf("%q: %+v, then %+v", s, k, again)
			}
		}
	})
}
