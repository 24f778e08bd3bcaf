package function_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/target/function"
	"github.com/trailbridge/trailbridge/target/targettest"
)

// helperEnv, set in a command's environment, makes the test binary act as
// a function (see helper) instead of running the tests.
const helperEnv = "TRAILBRIDGE_TEST_FUNCTION_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(helper(dir))
	}
	os.Exit(m.Run())
}

// helper is a function that keeps each payload in a file of dir. While
// dir/hang exists it hangs; while dir/broken exists it fails.
func helper(dir string) int {
	if _, err := os.Stat(filepath.Join(dir, "hang")); err == nil {
		time.Sleep(time.Hour) // until killed
	}
	if _, err := os.Stat(filepath.Join(dir, "broken")); err == nil {
		os.Stderr.WriteString("starting\nbroken on purpose\n")
		return 3
	}
	b, err := io.ReadAll(os.Stdin)
	if err != nil {
		os.Stderr.WriteString(err.Error())
		return 1
	}
	// Written aside and renamed, so that a reader never sees a partial
	// payload.
	f, err := os.CreateTemp(dir, "part-")
	if err != nil {
		os.Stderr.WriteString(err.Error())
		return 1
	}
	if _, err := f.Write(b); err != nil {
		os.Stderr.WriteString(err.Error())
		return 1
	}
	f.Close()
	if err := os.Rename(f.Name(), filepath.Join(dir, "recv-"+rand.Text())); err != nil {
		os.Stderr.WriteString(err.Error())
		return 1
	}
	os.Stdout.WriteString("kept " + filepath.Base(f.Name()) + "\n")
	return 0
}

func touch(t testing.TB, path string) {
	t.Helper()
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func remove(t testing.TB, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}

const arnPrefix = "arn:aws:lambda:us-east-1:000000000000:function:"

func TestConformanceCommand(t *testing.T) {
	dir := t.TempDir()
	k, err := function.New([]function.Spec{{
		Name:    "keep",
		Command: []string{os.Args[0]},
		// A race-enabled binary sleeps a second at exit unless told not to.
		Environment: map[string]string{helperEnv: dir, "GORACE": "atexit_sleep_ms=0"},
		Concurrency: 8,
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	targettest.Run(t, targettest.Harness{
		Kind: k,
		ARN:  arnPrefix + "keep",
		Received: func(t testing.TB) [][]byte {
			paths, err := filepath.Glob(filepath.Join(dir, "recv-*"))
			if err != nil {
				t.Fatal(err)
			}
			var out [][]byte
			for _, p := range paths {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, b)
			}
			return out
		},
		MissingARN: arnPrefix + "nope",
		Break:      func(t testing.TB) { touch(t, filepath.Join(dir, "broken")) },
		Heal:       func(t testing.TB) { remove(t, filepath.Join(dir, "broken")) },
		Hang: func(t testing.TB) func() {
			touch(t, filepath.Join(dir, "hang"))
			return func() { remove(t, filepath.Join(dir, "hang")) }
		},
	})
}

// fakeFunction is a function behind a URL.
type fakeFunction struct {
	mu       sync.Mutex
	bodies   [][]byte
	broken   bool
	hang     chan struct{} // while set, requests wait for it to close
	inflight int
	most     int
}

func (f *fakeFunction) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "want a POST of JSON", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.inflight++
	f.most = max(f.most, f.inflight)
	broken, hang := f.broken, f.hang
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inflight--
		f.mu.Unlock()
	}()
	if hang != nil {
		select {
		case <-hang:
		case <-r.Context().Done():
			return
		}
	}
	if broken {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "broken on purpose", http.StatusServiceUnavailable)
		return
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeFunction) received(testing.TB) [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.bodies...)
}

func (f *fakeFunction) setHang() func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan struct{})
	f.hang = ch
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			f.hang = nil
			f.mu.Unlock()
			close(ch)
		})
	}
}

func (f *fakeFunction) setBroken(b bool) {
	f.mu.Lock()
	f.broken = b
	f.mu.Unlock()
}

func TestConformanceURL(t *testing.T) {
	fake := &fakeFunction{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	k, err := function.New([]function.Spec{{Name: "hook", URL: srv.URL + "/invoke"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	targettest.Run(t, targettest.Harness{
		Kind:       k,
		ARN:        arnPrefix + "hook:live",
		Received:   fake.received,
		MissingARN: arnPrefix + "nope",
		Break:      func(testing.TB) { fake.setBroken(true) },
		Heal:       func(testing.TB) { fake.setBroken(false) },
		Hang:       func(testing.TB) func() { return fake.setHang() },
	})
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name  string
		specs []function.Spec
		want  string // in the error; "" for none
	}{
		{"a command and a URL are fine", []function.Spec{{Name: "a", Command: []string{"true"}}, {Name: "b", URL: "https://example.test/x"}}, ""},
		{"no functions are fine", nil, ""},
		{"duplicate names", []function.Spec{{Name: "a", Command: []string{"true"}}, {Name: "a", URL: "http://127.0.0.1:1/"}}, `the name "a" is already taken`},
		{"neither command nor URL", []function.Spec{{Name: "a"}}, "needs a Command or a URL"},
		{"both command and URL", []function.Spec{{Name: "a", Command: []string{"true"}, URL: "http://127.0.0.1:1/"}}, "has both"},
		{"empty program", []function.Spec{{Name: "a", Command: []string{""}}}, "the program to run is empty"},
		{"empty name", []function.Spec{{Command: []string{"true"}}}, "the name is empty"},
		{"name with a colon", []function.Spec{{Name: "a:b", Command: []string{"true"}}}, "cannot contain"},
		{"not an http URL", []function.Spec{{Name: "a", URL: "ftp://example.test/"}}, "not an http or https URL"},
		{"URL without host", []function.Spec{{Name: "a", URL: "http:///x"}}, "not an http or https URL"},
		{"negative timeout", []function.Spec{{Name: "a", Command: []string{"true"}, Timeout: -time.Second}}, "negative"},
		{"negative concurrency", []function.Spec{{Name: "a", Command: []string{"true"}, Concurrency: -1}}, "negative"},
		{"bad environment name", []function.Spec{{Name: "a", Command: []string{"true"}, Environment: map[string]string{"A=B": "x"}}}, "invalid environment variable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := function.New(tc.specs, nil)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("New error = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestTarget(t *testing.T) {
	k, err := function.New([]function.Spec{{Name: "f", Command: []string{"true"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		arn  string
		code string // "" for success
	}{
		{arnPrefix + "f", ""},
		{arnPrefix + "f:prod", ""},
		{arnPrefix + "f:$LATEST", ""},
		{"arn:aws:lambda:eu-west-3:123456789012:function:f", ""},
		{arnPrefix + "g", target.CodeNoResource},
		{arnPrefix + "f:", target.CodeInvalidPayload},
		{arnPrefix + "f:a:b", target.CodeInvalidPayload},
		{arnPrefix, target.CodeInvalidPayload},
		{"arn:aws:lambda:us-east-1:000000000000:layer:f", target.CodeInvalidPayload},
		{"arn:aws:sqs:us-east-1:000000000000:f", target.CodeInvalidPayload},
	} {
		tg, err := k.Target(t.Context(), tc.arn)
		if tc.code == "" {
			if err != nil || tg == nil {
				t.Errorf("Target(%s) = %v, %v; want a target", tc.arn, tg, err)
			}
			continue
		}
		var e *target.Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Retryable {
			t.Errorf("Target(%s) error = %v, want %s, not retryable", tc.arn, err, tc.code)
		}
	}
}

// invocation is an invocation as the delivery engine makes one.
func invocation(payload string) *target.Invocation {
	ev := &trailbridge.Event{ID: "6a7e8feb-b491-4cf7-a9f1-bf3703467718", DetailType: "Test", Source: "test", Account: "000000000000",
		Time: time.Now(), Region: "us-east-1", Detail: []byte(`{}`)}
	raw, _ := ev.MarshalJSON()
	return &target.Invocation{
		Payload: []byte(payload), Event: raw, Target: &trailbridge.Target{Id: "t1", Arn: arnPrefix + "f"},
		Rule: "r", Bus: "default", RuleArn: "arn:aws:events:us-east-1:000000000000:rule/r", Attempt: 2, Ingested: time.Now(),
		TraceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793",
	}
}

// invoke runs spec once (named f) with payload.
func invoke(t *testing.T, spec function.Spec, payload string) error {
	t.Helper()
	spec.Name = "f"
	k, err := function.New([]function.Spec{spec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := k.Target(t.Context(), arnPrefix+"f")
	if err != nil {
		t.Fatal(err)
	}
	return tg.Invoke(t.Context(), invocation(payload))
}

func sh(script string) []string { return []string{"sh", "-c", script, "sh"} }

func TestCommandOutcomes(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "not-executable")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noShebang := filepath.Join(dir, "no-shebang")
	if err := os.WriteFile(noShebang, []byte{0x7f, 'E', 'L', 'F', 0, 0, 0, 0}, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		spec      function.Spec
		code      string // "" for success
		retryable bool
		in, notIn []string // in the message, and not in it
		maxLen    int      // of the message, when set
	}{
		{name: "exit 0 succeeds", spec: function.Spec{Command: sh("cat >/dev/null")}},
		{name: "exit 0 without reading the payload succeeds", spec: function.Spec{Command: sh("exit 0")}},
		{
			name: "a non-zero exit is retryable with the last lines of stderr",
			spec: function.Spec{Command: sh("for i in 1 2 3 4 5; do echo line $i >&2; done; echo >&2; exit 3")},
			code: target.CodeTargetError, retryable: true,
			in: []string{"exited with status 3", "line 3 | line 4 | line 5"}, notIn: []string{"line 2"},
		},
		{
			name: "a huge stderr is quoted in bounds",
			spec: function.Spec{Command: sh("head -c 1000000 /dev/zero | tr '\\0' x >&2; exit 1")},
			code: target.CodeTargetError, retryable: true, in: []string{"exited with status 1", "…xxx"}, maxLen: 700,
		},
		{
			name: "a signal is retryable",
			spec: function.Spec{Command: sh("kill -9 $$")},
			code: target.CodeTargetError, retryable: true, in: []string{"signal: killed"},
		},
		{
			name: "a missing program is not retried",
			spec: function.Spec{Command: []string{"trailbridge-no-such-program"}},
			code: target.CodeNoResource, in: []string{"cannot run trailbridge-no-such-program"},
		},
		{
			name: "a missing path is not retried",
			spec: function.Spec{Command: []string{filepath.Join(dir, "missing")}},
			code: target.CodeNoResource,
		},
		{
			name: "a file that is not executable is not retried",
			spec: function.Spec{Command: []string{notExec}},
			code: target.CodeNoResource,
		},
		{
			name: "a file that is not a program is not retried",
			spec: function.Spec{Command: []string{noShebang}},
			code: target.CodeNoResource,
		},
		{
			name: "a directory is not retried",
			spec: function.Spec{Command: []string{dir}},
			code: target.CodeNoResource,
		},
		{
			name: "a missing working directory is not retried",
			spec: function.Spec{Command: sh("exit 0"), Dir: filepath.Join(dir, "missing")},
			code: target.CodeNoResource,
		},
		{
			name: "a timeout is retryable",
			spec: function.Spec{Command: sh("exec sleep 60"), Timeout: 200 * time.Millisecond},
			code: target.CodeTimeout, retryable: true, in: []string{"process group was killed"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			err := invoke(t, tc.spec, `{"x":1}`)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Invoke took %v", d)
			}
			if tc.code == "" {
				if err != nil {
					t.Fatalf("Invoke: %v", err)
				}
				return
			}
			var e *target.Error
			if !errors.As(err, &e) {
				t.Fatalf("Invoke error = %v (%T), want a *target.Error", err, err)
			}
			if e.Code != tc.code || e.Retryable != tc.retryable {
				t.Fatalf("Invoke error = %v (retryable %v), want %s, retryable %v", e, e.Retryable, tc.code, tc.retryable)
			}
			for _, s := range tc.in {
				if !strings.Contains(e.Message, s) {
					t.Errorf("message %q does not contain %q", e.Message, s)
				}
			}
			for _, s := range tc.notIn {
				if strings.Contains(e.Message, s) {
					t.Errorf("message %q contains %q", e.Message, s)
				}
			}
			if tc.maxLen > 0 && len(e.Message) > tc.maxLen {
				t.Errorf("message is %d bytes long, want at most %d", len(e.Message), tc.maxLen)
			}
		})
	}
}

func TestCommandEnvironment(t *testing.T) {
	t.Setenv("TRAILBRIDGE_TEST_SECRET", "hunter2")
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "record-env"), []byte("#!/bin/sh\nenv > \"$OUT\"\npwd >> \"$OUT\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "env")
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	err := invoke(t, function.Spec{
		Command: []string{"record-env"}, // found in the Environment's PATH
		Dir:     work,
		Environment: map[string]string{
			"OUT":               out,
			"PATH":              bin + ":/usr/bin:/bin",
			"GREETING":          "hello world",
			"TRAILBRIDGE_RULE":  "overridden",
			"TRAILBRIDGE_EXTRA": "kept",
		},
	}, `{}`)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	got := map[string]bool{}
	for _, l := range lines {
		got[l] = true
	}
	for _, want := range []string{
		"GREETING=hello world",
		"PATH=" + bin + ":/usr/bin:/bin",
		"TRAILBRIDGE_FUNCTION=f",
		"TRAILBRIDGE_RULE=r",
		"TRAILBRIDGE_RULE_ARN=arn:aws:events:us-east-1:000000000000:rule/r",
		"TRAILBRIDGE_BUS=default",
		"TRAILBRIDGE_TARGET_ID=t1",
		"TRAILBRIDGE_ATTEMPT=2",
		"TRAILBRIDGE_EVENT_ID=6a7e8feb-b491-4cf7-a9f1-bf3703467718",
		"TRAILBRIDGE_EXTRA=kept",
		work,
	} {
		if !got[want] {
			t.Errorf("the command's environment lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "hunter2") || got["TRAILBRIDGE_RULE=overridden"] {
		t.Errorf("the command's environment has trailbridge's variables or lost the invocation's:\n%s", b)
	}
}

// syncBuffer is a log destination that tests read while commands write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
