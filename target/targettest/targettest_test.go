package targettest_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/target/targettest"
)

// memory is the simplest kind that does everything right: a list.
type memory struct {
	mu       sync.Mutex
	got      [][]byte
	broken   bool
	hang     chan struct{}
	existing string
}

func (m *memory) Target(_ context.Context, arn string) (target.Target, error) {
	name, ok := strings.CutPrefix(arn, "arn:aws:memory:us-east-1:000000000000:list/")
	switch {
	case !ok || name == "" || strings.ContainsRune(name, 0):
		return nil, target.Fail(target.CodeInvalidPayload, "%q is not a list ARN", arn)
	case name != m.existing:
		return nil, target.Fail(target.CodeNoResource, "no list %s", name)
	}
	return m, nil
}

func (m *memory) Invoke(ctx context.Context, inv *target.Invocation) error {
	m.mu.Lock()
	broken, hang := m.broken, m.hang
	m.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-ctx.Done():
		}
	}
	if err := ctx.Err(); err != nil {
		return target.AsError(err)
	}
	if broken {
		return target.Retry(target.CodeThrottling, "broken")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, append([]byte(nil), inv.Payload...))
	return nil
}

func (m *memory) set(fn func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fn()
}

func TestRun(t *testing.T) {
	m := &memory{existing: "l"}
	targettest.Run(t, targettest.Harness{
		Kind: m,
		ARN:  "arn:aws:memory:us-east-1:000000000000:list/l",
		Received: func(testing.TB) [][]byte {
			m.mu.Lock()
			defer m.mu.Unlock()
			return append([][]byte(nil), m.got...)
		},
		MissingARN: "arn:aws:memory:us-east-1:000000000000:list/other",
		Break:      func(testing.TB) { m.set(func() { m.broken = true }) },
		Heal:       func(testing.TB) { m.set(func() { m.broken = false }) },
		Hang: func(testing.TB) func() {
			ch := make(chan struct{})
			m.set(func() { m.hang = ch })
			var once sync.Once
			return func() { once.Do(func() { m.set(func() { m.hang = nil }); close(ch) }) }
		},
	})
	if len(m.got) == 0 {
		t.Fatal("the suite delivered nothing")
	}
}
