package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/trailbridge/trailbridge/internal/check"
	"github.com/trailbridge/trailbridge/natsjs"
)

func testOptions(t *testing.T) serveOptions {
	return serveOptions{
		Addr:      "127.0.0.1:0",
		DataDir:   t.TempDir(),
		Region:    "us-east-1",
		AccountID: "123456789012",
		Sync:      "always",
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func startTestApp(t *testing.T, o serveOptions) *app {
	t.Helper()
	a, err := startApp(t.Context(), o, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func sdkClient(url, id, secret string) *eb.Client {
	return eb.New(eb.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(id, secret, ""),
		RetryMaxAttempts: 1,
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// deliveries counts the deliveries the router stored, in its routing
// records, per target's subject.
func deliveries(t *testing.T, js jetstream.JetStream) map[string]int {
	routed, _ := storedDeliveries(t, js)
	return routed
}

// storedDeliveries counts the deliveries stored per target's subject: in
// routing records, and apart (on the target's subject, for its own
// consumer).
func storedDeliveries(t *testing.T, js jetstream.JetStream) (routed, apart map[string]int) {
	t.Helper()
	s, err := js.Stream(t.Context(), natsjs.DeliveriesStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	routed, apart = map[string]int{}, map[string]int{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(t.Context(), seq)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != natsjs.RoutedSubject && !strings.HasPrefix(m.Subject, "tb.dlv.") {
			continue // a scheduled retry
		}
		ds, err := natsjs.ReadDeliveries(m.Subject, m.Data)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if m.Subject == natsjs.RoutedSubject {
				routed[natsjs.DeliverySubject(d.Bus, d.Rule, d.Target)]++
			} else {
				apart[m.Subject]++
			}
		}
	}
	return routed, apart
}

func waitDeliveries(t *testing.T, js jetstream.JetStream, want map[string]uint64) {
	t.Helper()
	check.For(t, 10*time.Second, 10*time.Millisecond, func() error {
		got := deliveries(t, js)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("deliveries = %v, want %v", got, want)
		}
		return nil
	})
}

// putAndRoute drives the flow every engine must carry: a bus, a rule with
// two targets, events of which some match, and the deliveries recorded.
func putAndRoute(t *testing.T, c *eb.Client, js jetstream.JetStream) {
	t.Helper()
	ctx := t.Context()
	must(c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("shop")}))
	must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("big-orders"), EventBusName: aws.String("shop"),
		EventPattern: aws.String(`{"source":["shop"],"detail":{"total":[{"numeric":[">",100]}]}}`)}))
	must(c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("big-orders"), EventBusName: aws.String("shop"), Targets: []types.Target{
		{Id: aws.String("ops"), Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:ops")},
		{Id: aws.String("audit"), Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:audit")},
	}}))
	var entries []types.PutEventsRequestEntry
	for _, total := range []int{50, 150, 500} {
		entries = append(entries, types.PutEventsRequestEntry{Source: aws.String("shop"), DetailType: aws.String("Order"),
			Detail: aws.String(fmt.Sprintf(`{"total":%d}`, total)), EventBusName: aws.String("shop")})
	}
	out := must(c.PutEvents(ctx, &eb.PutEventsInput{Entries: entries}))
	if out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %+v", out.Entries)
	}
	waitDeliveries(t, js, map[string]uint64{
		natsjs.DeliverySubject("shop", "big-orders", "ops"):   2,
		natsjs.DeliverySubject("shop", "big-orders", "audit"): 2,
	})
}

func TestServeRoutesEvents(t *testing.T) {
	a := startTestApp(t, testOptions(t))
	c := sdkClient(a.URL, "AKIDANY", "any")
	putAndRoute(t, c, a.Engine.JetStream())
	// Accepted for a bus that does not exist, dropped and counted.
	out := must(c.PutEvents(t.Context(), &eb.PutEventsInput{Entries: []types.PutEventsRequestEntry{{Source: aws.String("shop"), DetailType: aws.String("x"),
		Detail: aws.String(`{}`), EventBusName: aws.String("nope")}}}))
	if out.FailedEntryCount != 0 || out.Entries[0].EventId == nil {
		t.Errorf("PutEvents to a missing bus: %+v", out.Entries)
	}

	resp, err := http.Get(a.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Errorf("/healthz: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get(a.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`trailbridge_MatchedEvents{bus="shop"} 2`,
		`trailbridge_TriggeredRules{bus="shop",rule="big-orders"} 2`,
		`trailbridge_PutEventsEntriesCount 4`,
		`trailbridge_api_requests_total{action="PutEvents",code=""} 2`,
		`trailbridge_DroppedEvents{bus="nope",reason="NoSuchBus"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestServeAccessKeys(t *testing.T) {
	o := testOptions(t)
	t.Run("open address without keys is refused", func(t *testing.T) {
		o := o
		o.Addr = "0.0.0.0:0"
		_, err := startApp(t.Context(), o, testLogger(t))
		if err == nil || !strings.Contains(err.Error(), "refusing to listen on 0.0.0.0:0 without access keys") {
			t.Fatalf("startApp = %v", err)
		}
	})
	t.Run("keys are enforced", func(t *testing.T) {
		o := o
		o.Addr = "0.0.0.0:0" // allowed with keys
		o.AccessKeys = map[string]string{"AKIDGOOD": "s3cret"}
		a := startTestApp(t, o)
		url := strings.Replace(a.URL, "0.0.0.0", "127.0.0.1", 1)
		url = strings.Replace(url, "[::]", "127.0.0.1", 1)
		if _, err := sdkClient(url, "AKIDGOOD", "s3cret").ListEventBuses(t.Context(), &eb.ListEventBusesInput{}); err != nil {
			t.Fatalf("good key: %v", err)
		}
		_, err := sdkClient(url, "AKIDBAD", "s3cret").ListEventBuses(t.Context(), &eb.ListEventBusesInput{})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "UnrecognizedClientException" {
			t.Fatalf("unknown key: %v", err)
		}
		_, err = sdkClient(url, "AKIDGOOD", "wrong").ListEventBuses(t.Context(), &eb.ListEventBusesInput{})
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
			t.Fatalf("wrong secret: %v", err)
		}
	})
	t.Run("bad settings", func(t *testing.T) {
		for _, tc := range []struct {
			change func(*serveOptions)
			want   string
		}{
			{func(o *serveOptions) { o.AccountID = "12" }, `--account-id "12": must be 12 digits`},
			{func(o *serveOptions) { o.Region = "mars" }, `--region "mars": not a region name`},
			{func(o *serveOptions) { o.Sync = "sometimes" }, `--sync "sometimes": must be always or a positive duration`},
		} {
			o := o
			tc.change(&o)
			if _, err := startApp(t.Context(), o, testLogger(t)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("startApp = %v, want %q", err, tc.want)
			}
		}
	})
}

func TestParseAccessKeys(t *testing.T) {
	keys, err := parseAccessKeys(" AKID1:s1, AKID2:s:2 ,")
	if err != nil || len(keys) != 2 || keys["AKID1"] != "s1" || keys["AKID2"] != "s:2" {
		t.Errorf("parseAccessKeys = %v, %v", keys, err)
	}
	if _, err := parseAccessKeys("AKID1:supersecret,AKID2"); err == nil || strings.Contains(err.Error(), "supersecret") {
		t.Errorf("bad pair: %v", err)
	}
}

func TestServeRestart(t *testing.T) {
	o := testOptions(t)
	a := startTestApp(t, o)
	c := sdkClient(a.URL, "AKIDANY", "any")
	putAndRoute(t, c, a.Engine.JetStream())
	a.Close()

	a = startTestApp(t, o)
	c = sdkClient(a.URL, "AKIDANY", "any")
	tg := must(c.ListTargetsByRule(t.Context(), &eb.ListTargetsByRuleInput{Rule: aws.String("big-orders"), EventBusName: aws.String("shop")}))
	if len(tg.Targets) != 2 {
		t.Fatalf("targets after restart: %+v", tg.Targets)
	}
	// The rules are live again: a new matching event is routed.
	must(c.PutEvents(t.Context(), &eb.PutEventsInput{Entries: []types.PutEventsRequestEntry{{Source: aws.String("shop"), DetailType: aws.String("Order"),
		Detail: aws.String(`{"total":1000}`), EventBusName: aws.String("shop")}}}))
	waitDeliveries(t, a.Engine.JetStream(), map[string]uint64{
		natsjs.DeliverySubject("shop", "big-orders", "ops"):   3,
		natsjs.DeliverySubject("shop", "big-orders", "audit"): 3,
	})
}

var natsServerBin = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "trailbridge-nats-server")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "nats-server")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build nats-server: %v\n%s", err, out)
	}
	return bin, nil
})

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestServeExternalNATS runs the same flow on a separate nats-server
// process, as --nats-url does in production, and checks that a second
// trailbridge process on the same JetStream sees the first one's state.
func TestServeExternalNATS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds nats-server")
	}
	bin, err := natsServerBin()
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-js", "-l", os.DevNull, "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-sd", t.TempDir())
	cmd.Stdout, cmd.Stderr = testWriter{t}, testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after the trailbridge processes close.
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	check.For(t, 20*time.Second, 50*time.Millisecond, func() error {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
		}
		return err
	})

	o := testOptions(t)
	o.NATSURL = url
	a := startTestApp(t, o)
	if a.Engine.Embedded() {
		t.Fatal("engine is embedded despite --nats-url")
	}
	putAndRoute(t, sdkClient(a.URL, "AKIDANY", "any"), a.Engine.JetStream())

	o2 := testOptions(t)
	o2.NATSURL = url
	b := startTestApp(t, o2)
	c := sdkClient(b.URL, "AKIDANY", "any")
	r := must(c.DescribeRule(t.Context(), &eb.DescribeRuleInput{Name: aws.String("big-orders"), EventBusName: aws.String("shop")}))
	if aws.ToString(r.Arn) != "arn:aws:events:us-east-1:123456789012:rule/shop/big-orders" {
		t.Errorf("second process: %+v", r)
	}
	// A change made through the second process reaches the first.
	must(c.DisableRule(t.Context(), &eb.DisableRuleInput{Name: aws.String("big-orders"), EventBusName: aws.String("shop")}))
	check.For(t, 5*time.Second, 10*time.Millisecond, func() error {
		if r := a.Config.Rule("shop", "big-orders"); r == nil || r.State != "DISABLED" {
			return errors.New("first process did not see the rule disabled")
		}
		return nil
	})
}

// TestServeCommandStopsOnSignal runs the real command and stops it with
// SIGTERM, as a service manager does.
func TestServeCommandStopsOnSignal(t *testing.T) {
	var out strings.Builder
	var mu sync.Mutex
	w := writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return out.Write(b)
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	port := freePort(t)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", t.TempDir()}, w, w)
	}()
	check.For(t, 20*time.Second, 20*time.Millisecond, func() error {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port))
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	})
	cancel() // what SIGINT and SIGTERM do, through signal.NotifyContext
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"trailbridge serving", "development mode", "shutting down", "stopped"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, out.String())
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

var _ = json.Valid

// TestServeRuntimeSettings: serve's GOMAXPROCS and GC target, each unless
// its environment variable says otherwise.
func TestServeRuntimeSettings(t *testing.T) {
	def := runtime.GOMAXPROCS(0)
	for _, tt := range []struct {
		env, val string
		set      bool
		fn       func() int
		want     int
	}{
		{"GOMAXPROCS", "", false, serveProcs, def + 2}, {"GOMAXPROCS", "3", true, serveProcs, 3},
		{"GOMAXPROCS", "1", true, serveProcs, 1}, {"GOMAXPROCS", "0", true, serveProcs, def + 2},
		{"GOMAXPROCS", "many", true, serveProcs, def + 2},
		{"GOGC", "", false, serveGCPercent, 400}, {"GOGC", "200", true, serveGCPercent, 200},
		{"GOGC", "off", true, serveGCPercent, -1}, {"GOGC", "lots", true, serveGCPercent, 400},
	} {
		t.Run(tt.env+"="+tt.val, func(t *testing.T) {
			t.Setenv(tt.env, tt.val)
			if !tt.set {
				os.Unsetenv(tt.env)
			}
			if got := tt.fn(); got != tt.want {
				t.Errorf("%s=%q: %d, want %d", tt.env, tt.val, got, tt.want)
			}
		})
	}
}

// TestServeTakesDataDirAndAddrFirst: one data folder serves one process,
// and what would make a start fail (a taken folder or port, an address
// without a port, a folder that cannot be made) fails it before anything is
// written: the config file's items do not appear.
func TestServeTakesDataDirAndAddrFirst(t *testing.T) {
	o := testOptions(t)
	a := startTestApp(t, o)

	second := o
	second.ConfigFile = writeConfig(t, "EventBuses:\n  - Name: from-second\n")
	_, err := startApp(t.Context(), second, testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "in use by another trailbridge process (pid ") {
		t.Fatalf("second server on the same folder: %v", err)
	}
	// The first server goes on, without the second's bus.
	c := sdkClient(a.URL, "AKIDANY", "any")
	if buses := must(c.ListEventBuses(t.Context(), &eb.ListEventBusesInput{})); len(buses.EventBuses) != 1 {
		t.Errorf("buses after the refused start: %d", len(buses.EventBuses))
	}

	// A taken API port: refused before the file is applied.
	other := testOptions(t)
	other.Addr = strings.TrimPrefix(a.URL, "http://")
	other.ConfigFile = second.ConfigFile
	if _, err := startApp(t.Context(), other, testLogger(t)); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("taken port: %v", err)
	}
	other.Addr, other.ConfigFile = "127.0.0.1:0", ""
	b := startTestApp(t, other)
	if b.Config.Bus("from-second") != nil {
		t.Error("a start refused for its port applied the file")
	}
	b.Close()

	for _, tc := range []struct{ addr, want string }{
		{"", `--addr "": empty: give HOST:PORT`},
		{"127.0.0.1", `--addr "127.0.0.1": not HOST:PORT`},
		{"127.0.0.1:99999", `--addr "127.0.0.1:99999": port "99999": not a number from 0 to 65535`},
	} {
		bad := testOptions(t)
		bad.Addr = tc.addr
		if _, err := startApp(t.Context(), bad, testLogger(t)); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("--addr %q: %v, want %q", tc.addr, err, tc.want)
		}
	}

	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := testOptions(t)
	bad.DataDir = file
	start := time.Now()
	if _, err := startApp(t.Context(), bad, testLogger(t)); err == nil || !strings.HasPrefix(err.Error(), "--data-dir "+file) {
		t.Errorf("data folder that is a file: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("refusing an unusable data folder took %v", d)
	}

	// Once the first server stops, the folder is free again.
	a.Close()
	startTestApp(t, o)
}

// TestServeEnvironmentTwins: an error about a value taken from an
// environment variable names the variable; an empty variable is as if
// unset.
func TestServeEnvironmentTwins(t *testing.T) {
	for _, tc := range []struct {
		env, val string
		args     []string
		want     string
		code     int
	}{
		{"TRAILBRIDGE_REGION", "bad", nil, `trailbridge serve: --region "bad": not a region name such as us-east-1 (from TRAILBRIDGE_REGION)`, 1},
		{"TRAILBRIDGE_REGION", "bad", []string{"--region", "worse"}, `trailbridge serve: --region "worse": not a region name such as us-east-1` + "\n", 1},
		{"TRAILBRIDGE_LOG_LEVEL", "loud", nil, `trailbridge serve: --log-level: slog: level string "loud": unknown name (from TRAILBRIDGE_LOG_LEVEL)`, 2},
		// Empty: the default region, so the account id is what fails.
		{"TRAILBRIDGE_REGION", "", []string{"--account-id", "12"}, `trailbridge serve: --account-id "12": must be 12 digits` + "\n", 1},
	} {
		t.Run(tc.env+"="+tc.val, func(t *testing.T) {
			t.Setenv(tc.env, tc.val)
			var out strings.Builder
			args := append([]string{"serve", "--data-dir", t.TempDir()}, tc.args...)
			code := run(t.Context(), args, &out, &out)
			if code != tc.code || !strings.Contains(out.String(), tc.want) {
				t.Errorf("%s=%q %v: exit %d, output %q\nwant exit %d and %q", tc.env, tc.val, tc.args, code, out.String(), tc.code, tc.want)
			}
		})
	}
}
