package apidest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/trailbridge/trailbridge/target/targettest"
)

// TestConformance runs the suite every target kind passes against an
// endpoint that keeps the bodies it receives.
func TestConformance(t *testing.T) {
	var (
		mu       sync.Mutex
		broken   bool
		hanging  chan struct{}
		received [][]byte
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		mu.Lock()
		b, h := broken, hanging
		mu.Unlock()
		if h != nil {
			select {
			case <-h:
			case <-r.Context().Done():
				return
			}
		}
		if b {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		mu.Lock()
		received = append(received, body)
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	k, _, _ := setup(t, srv.URL+"/conformance", "POST", basicConn())
	targettest.Run(t, targettest.Harness{
		Kind:       k,
		ARN:        destARN,
		MissingARN: "arn:aws:events:us-east-1:123456789012:api-destination/missing/5f6a1b2c-0000-4000-8000-000000000009",
		Received: func(testing.TB) [][]byte {
			mu.Lock()
			defer mu.Unlock()
			return append([][]byte(nil), received...)
		},
		Break: func(testing.TB) { mu.Lock(); broken = true; mu.Unlock() },
		Heal:  func(testing.TB) { mu.Lock(); broken = false; mu.Unlock() },
		Hang: func(testing.TB) func() {
			ch := make(chan struct{})
			mu.Lock()
			hanging = ch
			mu.Unlock()
			var once sync.Once
			return func() {
				once.Do(func() {
					mu.Lock()
					hanging = nil
					mu.Unlock()
					close(ch)
				})
			}
		},
	})
}
