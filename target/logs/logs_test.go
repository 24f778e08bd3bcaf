package logs_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/internal/check"
	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/target/logs"
	"github.com/trailbridge/trailbridge/target/targettest"
)

const arnPrefix = "arn:aws:logs:us-east-1:000000000000:log-group:"

// line is a line of a group's file.
type line struct {
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

// readLines returns every line of a group's files, failing t on a line
// that is not one log event.
func readLines(t testing.TB, dir string) []line {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []line
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 8<<20)
		for sc.Scan() {
			var l line
			dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&l); err != nil {
				t.Fatalf("%s: line %.100q is not a log event: %v", p, sc.Text(), err)
			}
			out = append(out, l)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func messages(t testing.TB, dir string) [][]byte {
	var out [][]byte
	for _, l := range readLines(t, dir) {
		out = append(out, []byte(l.Message))
	}
	return out
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts logs.Options
	}{
		{"synced", logs.Options{}},
		{"not synced", logs.Options{NoSync: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			k := logs.New(root, tc.opts)
			t.Cleanup(func() { k.Close() })
			dir := k.GroupDir("/aws/events/conformance")
			targettest.Run(t, targettest.Harness{
				Kind:     k,
				ARN:      arnPrefix + "/aws/events/conformance:*",
				Received: func(t testing.TB) [][]byte { return messages(t, dir) },
				// The group's folder becomes a file: nothing can be
				// written until it is a folder again.
				Break: func(t testing.TB) {
					if err := os.Rename(dir, dir+".away"); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(dir, nil, 0o600); err != nil {
						t.Fatal(err)
					}
				},
				Heal: func(t testing.TB) {
					if err := os.Remove(dir); err != nil {
						t.Fatal(err)
					}
					if err := os.Rename(dir+".away", dir); err != nil {
						t.Fatal(err)
					}
				},
			})
		})
	}
}

func invoke(t testing.TB, k *logs.Kind, arn, payload string) error {
	t.Helper()
	tg, err := k.Target(t.Context(), arn)
	if err != nil {
		return err
	}
	return tg.Invoke(t.Context(), &target.Invocation{Payload: []byte(payload), Rule: "r", Bus: "default", Attempt: 1})
}

func TestLineFormat(t *testing.T) {
	root := t.TempDir()
	when := time.Date(2024, 5, 1, 23, 59, 59, 123e6, time.UTC)
	k := logs.New(root, logs.Options{Now: func() time.Time { return when }})
	defer k.Close()
	ev := &trailbridge.Event{ID: "1", DetailType: "Tag <changed> & more", Source: "app", Account: "000000000000", Time: when,
		Region: "us-east-1", Detail: json.RawMessage(`{"unicode":"日本語\u2028","nl":"a\nb"}`)}
	payload, _ := ev.MarshalJSON()
	if err := invoke(t, k, arnPrefix+"/aws/events/audit", string(payload)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "%2Faws%2Fevents%2Faudit", "2024-05-01.jsonl")
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	quoted, _ := json.Marshal(string(payload))
	unescaped := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(quoted))
	want := `{"timestamp":1714607999123,"message":` + unescaped + "}\n"
	if string(got) != want {
		t.Fatalf("file holds\n%s\nwant\n%s", got, want)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v, %v; want 0600: events are nobody else's business", fi.Mode(), err)
	}

	// What the package documentation promises of jq.
	jq, err := exec.LookPath("jq")
	if err != nil {
		t.Skip("no jq to check the documented commands with")
	}
	out, err := exec.Command(jq, "-r", ".message", file).Output()
	if err != nil || string(out) != string(payload)+"\n" {
		t.Errorf("jq -r .message = %q, %v; want the payload", out, err)
	}
	out, err = exec.Command(jq, "-c", ".message | fromjson | .detail", file).Output()
	if err != nil || string(out) != "{\"unicode\":\"日本語\u2028\",\"nl\":\"a\\nb\"}\n" {
		t.Errorf("jq '.message | fromjson' = %q, %v; want the event", out, err)
	}
}

func TestLogEventPayloads(t *testing.T) {
	when := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	now := when.UnixMilli()
	for _, tc := range []struct {
		name    string
		payload string
		want    line
	}{
		{"a string message and milliseconds", `{"timestamp":1700000000000,"message":"user <u> signed in"}`, line{1700000000000, "user <u> signed in"}},
		{"keys in any order", `{ "message" : "m", "timestamp" : 5 }`, line{5, "m"}},
		{"an RFC 3339 time", `{"timestamp":"2024-01-02T03:04:05Z","message":"m"}`, line{1704164645000, "m"}},
		{"milliseconds as a string", `{"timestamp":"1700000000001","message":"m"}`, line{1700000000001, "m"}},
		{"an object message is its JSON", `{"timestamp":1,"message":{"a":[1,2]}}`, line{1, `{"a":[1,2]}`}},
		{"a bad time is the time of the write", `{"timestamp":"soon","message":"m"}`, line{now, "m"}},
		{"a negative time is the time of the write", `{"timestamp":-5,"message":"m"}`, line{now, "m"}},
		{"another key makes it a plain payload", `{"timestamp":1,"message":"m","x":1}`, line{now, `{"timestamp":1,"message":"m","x":1}`}},
		{"a message alone is a plain payload", `{"message":"m"}`, line{now, `{"message":"m"}`}},
		{"a string payload", `"just text"`, line{now, `"just text"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			k := logs.New(root, logs.Options{Now: func() time.Time { return when }})
			defer k.Close()
			if err := invoke(t, k, arnPrefix+"g", tc.payload); err != nil {
				t.Fatal(err)
			}
			got := readLines(t, k.GroupDir("g"))
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("lines = %+v, want [%+v]", got, tc.want)
			}
		})
	}
}

func TestGroupARNs(t *testing.T) {
	root := t.TempDir()
	k := logs.New(root, logs.Options{})
	defer k.Close()
	for _, tc := range []struct {
		arn string
		dir string // "" when the ARN is refused
	}{
		{arnPrefix + "plain", "plain"},
		{arnPrefix + "plain:*", "plain"},
		{arnPrefix + "/aws/events/x", "%2Faws%2Fevents%2Fx"},
		{arnPrefix + "..", "%2E."},
		{arnPrefix + ".", "%2E"},
		{arnPrefix + ".hidden", "%2Ehidden"},
		{arnPrefix + "a/../../b", "a%2F..%2F..%2Fb"},
		{arnPrefix + "#hash.tag", "%23hash.tag"},
		{arnPrefix + "", ""},
		{arnPrefix + "has space", ""},
		{arnPrefix + "has:colon", ""},
		{arnPrefix + "nul\x00", ""},
		{arnPrefix + strings.Repeat("a", 513), ""},
		{"arn:aws:logs:us-east-1:000000000000:destination:d", ""},
		{"arn:aws:sqs:us-east-1:000000000000:log-group:x", ""},
	} {
		err := invoke(t, k, tc.arn, `{}`)
		if tc.dir == "" {
			var e *target.Error
			if !errors.As(err, &e) || e.Code != target.CodeInvalidPayload || e.Retryable {
				t.Errorf("%q: error %v, want %s, not retryable", tc.arn, err, target.CodeInvalidPayload)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.arn, err)
			continue
		}
		if fi, err := os.Stat(filepath.Join(root, tc.dir)); err != nil || !fi.IsDir() {
			t.Errorf("%q: no folder %s: %v", tc.arn, tc.dir, err)
		}
	}
	// Nothing was written anywhere else.
	entries, _ := os.ReadDir(filepath.Dir(root))
	for _, e := range entries {
		if e.Name() != filepath.Base(root) {
			t.Errorf("%s was written beside the folder", e.Name())
		}
	}
}

func TestLongGroupNames(t *testing.T) {
	root := t.TempDir()
	k := logs.New(root, logs.Options{})
	defer k.Close()
	a := strings.Repeat("/", 512)
	b := strings.Repeat("/", 511) + "a"
	for _, name := range []string{a, b} {
		if err := invoke(t, k, arnPrefix+name, `{"name":"`+name[len(name)-1:]+`"}`); err != nil {
			t.Fatal(err)
		}
		if d := filepath.Base(k.GroupDir(name)); len(d) > 200 || !strings.Contains(d, "~") {
			t.Errorf("folder %q of a long name is not cut and hashed", d)
		}
	}
	if k.GroupDir(a) == k.GroupDir(b) {
		t.Fatal("two long names share a folder")
	}
	if got := messages(t, k.GroupDir(a)); len(got) != 1 || string(got[0]) != `{"name":"/"}` {
		t.Errorf("group a holds %q", got)
	}
}

func TestDailyFiles(t *testing.T) {
	root := t.TempDir()
	c := check.NewClock(time.Time{})
	k := logs.New(root, logs.Options{KeepDays: 2, Now: c.Now})
	defer k.Close()
	day := time.Date(2024, 2, 28, 10, 0, 0, 0, time.UTC)
	for i := range 4 {
		c.Set(day.AddDate(0, 0, i))
		if err := invoke(t, k, arnPrefix+"g", fmt.Sprintf(`{"day":%d}`, i)); err != nil {
			t.Fatal(err)
		}
		if err := invoke(t, k, arnPrefix+"g", fmt.Sprintf(`{"day":%d,"again":true}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(k.GroupDir("g"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"2024-03-01.jsonl", "2024-03-02.jsonl"}; !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v (two days kept)", names, want)
	}
	if got := messages(t, k.GroupDir("g")); len(got) != 4 || string(got[3]) != `{"day":3,"again":true}` {
		t.Errorf("messages %q", got)
	}
}

func TestFileMovedOrRemovedWhileOpen(t *testing.T) {
	for _, tc := range []struct {
		name  string
		touch func(path string) error
	}{
		{"removed", os.Remove},
		{"moved", func(path string) error { return os.Rename(path, path+".1") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			when := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
			k := logs.New(root, logs.Options{Now: func() time.Time { return when }})
			defer k.Close()
			if err := invoke(t, k, arnPrefix+"g", `{"n":1}`); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(k.GroupDir("g"), "2024-05-01.jsonl")
			if err := tc.touch(path); err != nil {
				t.Fatal(err)
			}
			if err := invoke(t, k, arnPrefix+"g", `{"n":2}`); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(b, []byte(`{\"n\":2}`)) || bytes.Contains(b, []byte(`{\"n\":1}`)) {
				t.Fatalf("the new file holds %q, want the second event alone", b)
			}
		})
	}
}

func TestTornLastLineIsCut(t *testing.T) {
	root := t.TempDir()
	when := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	k := logs.New(root, logs.Options{Now: func() time.Time { return when }})
	defer k.Close()
	dir := k.GroupDir("g")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	whole := `{"timestamp":1,"message":"whole"}` + "\n"
	torn := `{"timestamp":2,"message":"to` + strings.Repeat("rn", 70000)
	if err := os.WriteFile(filepath.Join(dir, "2024-05-01.jsonl"), []byte(whole+torn), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := invoke(t, k, arnPrefix+"g", `{"n":1}`); err != nil {
		t.Fatal(err)
	}
	if got := messages(t, dir); len(got) != 2 || string(got[0]) != "whole" || string(got[1]) != `{"n":1}` {
		t.Fatalf("messages %q, want the whole line and the new one", got)
	}
}

func TestConcurrentLinesStayWhole(t *testing.T) {
	root := t.TempDir()
	k := logs.New(root, logs.Options{})
	defer k.Close()
	const n = 64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			// Lines larger than a pipe's or a page's atomic write.
			errs[i] = invoke(t, k, arnPrefix+"g", fmt.Sprintf(`{"i":%d,"pad":"%s"}`, i, strings.Repeat(string(rune('a'+i%26)), 100_000)))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	got := readLines(t, k.GroupDir("g"))
	if len(got) != n {
		t.Fatalf("%d lines, want %d", len(got), n)
	}
	seen := map[int]bool{}
	for _, l := range got {
		var v struct {
			I   int    `json:"i"`
			Pad string `json:"pad"`
		}
		if err := json.Unmarshal([]byte(l.Message), &v); err != nil || strings.Trim(v.Pad, string(rune('a'+v.I%26))) != "" {
			t.Fatalf("message %.80q… is not whole: %v", l.Message, err)
		}
		seen[v.I] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct events, want %d", len(seen), n)
	}
}

func TestClose(t *testing.T) {
	root := t.TempDir()
	k := logs.New(root, logs.Options{})
	if err := invoke(t, k, arnPrefix+"g", `{}`); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	for _, arn := range []string{arnPrefix + "g", arnPrefix + "new"} {
		err := invoke(t, k, arn, `{}`)
		var e *target.Error
		if !errors.As(err, &e) || !e.Retryable {
			t.Errorf("%s after Close: error %v, want a retryable one", arn, err)
		}
	}
	if err := k.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
