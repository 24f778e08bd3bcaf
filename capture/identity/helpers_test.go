package identity

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

const testAccount = "123456789012"

// testNow is the clock of every identifier under test.
var testNow = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

// identityJSON is the JSON of u, "null" for no identity: what the tests
// compare.
func identityJSON(t *testing.T, u *cloudtrail.UserIdentity) string {
	t.Helper()
	if u == nil {
		return "null"
	}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// serve starts a server that answers each request with the JSON of the
// identity id gives it. keepBody false passes a nil body, as the capture
// layer does when a body is too large to keep.
func serve(t *testing.T, id Identifier, keepBody bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(identityHandler(t, id, keepBody))
	t.Cleanup(srv.Close)
	return srv
}

func identityHandler(t *testing.T, id Identifier, keepBody bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !keepBody {
			body = nil
		}
		u := id.Identify(r, body)
		if u == nil {
			io.WriteString(w, "null")
			return
		}
		json.NewEncoder(w).Encode(u)
	})
}

// do sends r with client and returns the identity the server answered
// with, as JSON.
func do(t *testing.T, client *http.Client, r *http.Request) string {
	t.Helper()
	resp, err := client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %s: %s", resp.Status, b)
	}
	var u *cloudtrail.UserIdentity
	if err := json.Unmarshal(b, &u); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return identityJSON(t, u)
}
