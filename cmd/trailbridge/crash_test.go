package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/trailbridge/trailbridge/internal/check"
)

// childEnv, when set, makes the test binary run `trailbridge serve` with
// the arguments it holds (separated by newlines) instead of the tests: the
// crash test's child process, killable without killing the test.
const childEnv = "TRAILBRIDGE_TEST_CHILD_ARGS"

// cliEnv set to 1 makes the test binary be trailbridge, arguments and
// all: the demo's function targets run `trailbridge remediate NAME`,
// which in tests is this binary.
const cliEnv = "TRAILBRIDGE_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(cliEnv) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	if args, ok := os.LookupEnv(childEnv); ok {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, strings.Split(args, "\n"), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// child is a `trailbridge serve` process.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func startChild(t *testing.T, url string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(append([]string{"serve"}, args...), "\n"))
	cmd.Stdout, cmd.Stderr = io.Discard, testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(c.done) }()
	t.Cleanup(func() { c.kill(syscall.SIGKILL) })
	check.For(t, 30*time.Second, 20*time.Millisecond, func() error {
		resp, err := http.Get(url + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("healthz: %s", resp.Status)
		}
		return nil
	})
	return c
}

func (c *child) kill(sig syscall.Signal) {
	c.cmd.Process.Signal(sig)
	<-c.done
}

// TestCrashLosesNothing kills trailbridge with SIGKILL while PutEvents load
// flows to an HTTP target, restarts it on the same data folder, and checks
// that every event PutEvents accepted reaches the target: duplicates are
// allowed (and reported), losses are not.
func TestCrashLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs trailbridge as a child process")
	}
	t.Parallel()
	var (
		mu       sync.Mutex
		received = map[string]int{}
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ ID string }
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil || ev.ID == "" {
			http.Error(w, "not an event", http.StatusBadRequest)
			return
		}
		// A target with some latency, so that a backlog builds up for
		// the kill to cut through.
		time.Sleep(10 * time.Millisecond)
		mu.Lock()
		received[ev.ID]++
		mu.Unlock()
	}))
	defer hook.Close()
	countReceived := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(received)
	}

	dir := t.TempDir()
	port := freePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	args := []string{"--addr", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", dir, "--account-id", "123456789012", "--log-level", "warn"}
	// Twice: the second kill lands while the first one's backlog is being
	// delivered again.
	var (
		accMu    sync.Mutex
		accepted = map[string]bool{}
		seq      atomic.Int64
	)
	acceptedN := func() int {
		accMu.Lock()
		defer accMu.Unlock()
		return len(accepted)
	}
	total, atKill := 0, 0
	for round := range 2 {
		srv := startChild(t, url, args...)
		c := sdkClient(url, "AKID", "secret")
		if round == 0 {
			conn := must(c.CreateConnection(t.Context(), &eb.CreateConnectionInput{
				Name: aws.String("hook"), AuthorizationType: types.ConnectionAuthorizationTypeBasic, AuthParameters: basicAuth(),
			}))
			dest := must(c.CreateApiDestination(t.Context(), &eb.CreateApiDestinationInput{
				Name: aws.String("hook"), ConnectionArn: conn.ConnectionArn, InvocationEndpoint: aws.String(hook.URL),
				HttpMethod: types.ApiDestinationHttpMethodPost, InvocationRateLimitPerSecond: aws.Int32(100000),
			}))
			putRuleAndTarget(t, c, "all", `{"source":["load"]}`, types.Target{Id: aws.String("hook"), Arn: dest.ApiDestinationArn})
		}

		// Load: clients put batches of 10 until the server stops answering.
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				cl := sdkClient(url, "AKID", "secret")
				for {
					entries := make([]types.PutEventsRequestEntry, 10)
					for i := range entries {
						entries[i] = types.PutEventsRequestEntry{Source: aws.String("load"), DetailType: aws.String("n"),
							Detail: aws.String(fmt.Sprintf(`{"seq":%d}`, seq.Add(1)))}
					}
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					out, err := cl.PutEvents(ctx, &eb.PutEventsInput{Entries: entries})
					cancel()
					if err != nil {
						return // the server is gone: what was not answered was not accepted
					}
					accMu.Lock()
					for _, e := range out.Entries {
						if e.EventId != nil && e.ErrorCode == nil {
							accepted[*e.EventId] = true
						}
					}
					accMu.Unlock()
				}
			})
		}
		// Kill mid-way: events accepted, some delivered, many not yet.
		wantAcc, wantRecv := acceptedN()+3000, countReceived()+300
		check.For(t, 60*time.Second, 2*time.Millisecond, func() error {
			if acceptedN() < wantAcc || countReceived() < wantRecv {
				return fmt.Errorf("load did not build up: %d accepted, %d delivered", acceptedN(), countReceived())
			}
			return nil
		})
		srv.kill(syscall.SIGKILL)
		wg.Wait()
		atKill, total = countReceived(), acceptedN()
		t.Logf("kill %d: %d events accepted so far, %d delivered", round+1, total, atKill)
	}

	startChild(t, url, args...)
	check.For(t, 120*time.Second, 50*time.Millisecond, func() error {
		accMu.Lock()
		defer accMu.Unlock()
		mu.Lock()
		defer mu.Unlock()
		missing := 0
		for id := range accepted {
			if received[id] == 0 {
				missing++
			}
		}
		if missing > 0 {
			return fmt.Errorf("%d of %d accepted events never delivered", missing, len(accepted))
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	dups, extra := 0, 0
	for id, n := range received {
		dups += n - 1
		if !accepted[id] {
			extra++ // put by a call the kill cut off before it answered
		}
	}
	t.Logf("all %d accepted events delivered after the restart; %d duplicate deliveries, %d events from unanswered calls", total, dups, extra)
	if total == atKill {
		t.Errorf("everything was delivered before the kill; the test proved nothing")
	}
}
