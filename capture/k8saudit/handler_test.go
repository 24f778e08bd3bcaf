package k8saudit_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/capture"
	"github.com/trailbridge/trailbridge/capture/k8saudit"
	"github.com/trailbridge/trailbridge/cloudtrail"
	"github.com/trailbridge/trailbridge/pattern"
)

const token = "3q2+7wAAAAAtest-token"

// memorySink keeps the batches put, or fails with err.
type memorySink struct {
	mu      sync.Mutex
	err     error
	batches [][]capture.Captured
}

func (s *memorySink) Put(ctx context.Context, batch []capture.Captured) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.batches = append(s.batches, batch)
	return nil
}

func (s *memorySink) records() []capture.Captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []capture.Captured
	for _, b := range s.batches {
		all = append(all, b...)
	}
	return all
}

func newHandler(t *testing.T, change func(*k8saudit.Config)) (*k8saudit.Handler, *memorySink) {
	t.Helper()
	sink := &memorySink{}
	c := k8saudit.Config{
		Tokens:  []string{"another-token", token},
		Cluster: "prod-eu", Account: "123456789012", Region: "eu-west-1",
		Sink:   sink,
		Logger: slog.New(slog.DiscardHandler),
	}
	if change != nil {
		change(&c)
	}
	h, err := k8saudit.NewHandler(c)
	if err != nil {
		t.Fatal(err)
	}
	return h, sink
}

func eventList(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "eventlist.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func post(h http.Handler, body []byte, header map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/k8s/audit", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func message(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct{ Message string }
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q is not JSON: %v", w.Body, err)
	}
	return body.Message
}

func TestHandlerAuthentication(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no token is refused", nil, http.StatusUnauthorized},
		{"a wrong token is refused", map[string]string{"Authorization": "Bearer wrong"}, http.StatusUnauthorized},
		{"a prefix of the token is refused", map[string]string{"Authorization": "Bearer " + token[:10]}, http.StatusUnauthorized},
		{"an empty token is refused", map[string]string{"Authorization": "Bearer "}, http.StatusUnauthorized},
		{"basic auth is refused", map[string]string{"Authorization": "Basic " + token}, http.StatusUnauthorized},
		{"the token is accepted", map[string]string{"Authorization": "Bearer " + token}, http.StatusOK},
		{"the scheme is case-insensitive", map[string]string{"Authorization": "bearer " + token}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, sink := newHandler(t, nil)
			w := post(h, eventList(t), tc.header)
			if got, want := w.Code, tc.want; got != want {
				t.Fatalf("status %d, want %d: %s", got, want, w.Body)
			}
			if got, want := w.Header().Get("Content-Type"), "application/json"; got != want {
				t.Errorf("Content-Type %q, want %q", got, want)
			}
			if tc.want == http.StatusOK {
				if got, want := strings.TrimSpace(w.Body.String()), "{}"; got != want {
					t.Errorf("body %q, want %q", got, want)
				}
				if got, want := len(sink.records()), 8; got != want {
					t.Errorf("%d records put, want %d", got, want)
				}
				return
			}
			if got := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
				t.Errorf("WWW-Authenticate %q, want a Bearer challenge", got)
			}
			if message(t, w) == "" {
				t.Errorf("no message in %s", w.Body)
			}
			if got := len(sink.records()); got != 0 {
				t.Errorf("%d records put by a refused request", got)
			}
		})
	}
}

// TestHandlerRuleMatchesTheRecord is the proof, up to the bus: a
// rule on eventName and userIdentity matches the envelope of the record
// of alice's CreateSecret, and no other; and the rules of
// docs/k8s-audit.md match what they say.
func TestHandlerRuleMatchesTheRecord(t *testing.T) {
	h, sink := newHandler(t, nil)
	if w := post(h, eventList(t), map[string]string{"Authorization": "Bearer " + token}); w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var events [][]byte
	var names []string
	for _, c := range sink.records() {
		env, err := cloudtrail.NewEnvelope(c.Record)
		if err != nil {
			t.Fatal(err)
		}
		env.Source, env.DetailType = c.Source, c.DetailType
		if got, want := env.Account, "123456789012"; got != want {
			t.Errorf("envelope account %q, want %q", got, want)
		}
		event, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		var r cloudtrail.Record
		if err := json.Unmarshal(c.Record, &r); err != nil {
			t.Fatal(err)
		}
		events = append(events, event)
		names = append(names, r.EventName+" by "+r.UserIdentity.UserName)
	}
	for _, tc := range []struct {
		name, rule, want string
	}{
		{"CreateSecret by alice", `{
			"source": ["trailbridge.k8s"],
			"detail-type": ["Kubernetes API Call via Audit Webhook"],
			"detail": {
				"eventName": ["CreateSecret"],
				"userIdentity": {"userName": ["alice@example.com"]}
			}}`, "CreateSecret by alice@example.com"},
		{"secret changes but CI's", `{
			"source": ["trailbridge.k8s"],
			"detail-type": ["Kubernetes API Call via Audit Webhook"],
			"detail": {
				"eventSource": ["core.k8s.io"],
				"eventName": ["CreateSecret", "UpdateSecret", "PatchSecret"],
				"userIdentity": {"userName": [{"anything-but": "system:serviceaccount:ci:deployer"}]},
				"errorCode": [{"exists": false}]
			}}`, "CreateSecret by alice@example.com"},
		{"exec by alice", `{"source": ["trailbridge.k8s"], "detail": {"eventName": ["CreatePodExec", "GetPodExec"], "userIdentity": {"userName": ["alice@example.com"]}}}`,
			"CreatePodExec by alice@example.com"},
		{"RBAC changes", `{"detail": {"eventSource": ["rbac.authorization.k8s.io"], "readOnly": [false]}}`,
			"CreateClusterRoleBinding by alice@example.com"},
		{"impersonated calls", `{"detail": {"additionalEventData": {"impersonatedUser": {"username": ["system:admin"]}}}}`,
			"CreateClusterRoleBinding by alice@example.com"},
		{"denied calls", `{"detail": {"errorCode": ["Forbidden"]}}`, "DeleteDeployment by bob@example.com"},
		{"service accounts reading secrets", `{"detail": {"eventName": ["GetSecret"], "userIdentity": {"type": ["KubernetesServiceAccount"]}}}`,
			"GetSecret by system:serviceaccount:monitoring:secret-exporter"},
		{"anonymous calls", `{"detail": {"userIdentity": {"userName": ["system:anonymous"]}}}`, "GetVersion by system:anonymous"},
		{"one cluster", `{"detail": {"additionalEventData": {"cluster": ["prod-eu"]}, "eventName": [{"prefix": "List"}]}}`, "ListPods by bob@example.com"},
		{"AWS's CloudTrail events only", `{"detail-type": ["AWS API Call via CloudTrail"]}`, ""},
	} {
		outcome := tc.want
		if outcome == "" {
			outcome = "nothing"
		}
		t.Run(tc.name+" matches "+outcome, func(t *testing.T) {
			var matched []string
			for i, event := range events {
				ok, err := pattern.Test([]byte(tc.rule), event)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					matched = append(matched, names[i])
				}
			}
			if got, want := strings.Join(matched, ", "), tc.want; got != want {
				t.Errorf("rule matched %q, want %q", got, want)
			}
		})
	}
}

func TestHandlerRefusesMalformedBodies(t *testing.T) {
	good := eventList(t)
	for _, tc := range []struct {
		name string
		body string
		want string // in the message
	}{
		{"empty body", ``, "body"},
		{"not JSON", `{"kind": "EventList", "items": [`, "invalid JSON"},
		{"a JSON array", `[]`, "body"},
		{"a single Event", `{"kind":"Event","apiVersion":"audit.k8s.io/v1"}`, "want EventList"},
		{"another kind", `{"kind":"PodList","apiVersion":"v1","items":[]}`, `"PodList"`},
		{"v1beta1", `{"kind":"EventList","apiVersion":"audit.k8s.io/v1beta1","items":[]}`, "--audit-webhook-version=audit.k8s.io/v1"},
		{"no items", `{"kind":"EventList","apiVersion":"audit.k8s.io/v1"}`, "no items"},
		{"items not an array", `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":{}}`, "items"},
		{"an item not an object", `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[3]}`, "items[0]"},
		{"a user that is a string", strings.Replace(string(good), `"user": {"username": "bob@example.com", "groups": ["developers", "system:authenticated"]},`, `"user": "bob",`, 1), "items[2].user: a JSON string where an object belongs"},
		{"groups that are a string", strings.Replace(string(good), `"groups": ["developers", "system:authenticated"]`, `"groups": "developers"`, 1), "items[2].user.groups"},
		{"a bad time", strings.Replace(string(good), `"2026-03-14T09:28:01.131578Z"`, `"yesterday"`, 1), "items[2]"},
		{"a code that is a string", strings.Replace(string(good), `"code": 403`, `"code": "403"`, 1), "items[5].responseStatus.code"},
		{"a missing stage", strings.Replace(string(good), `"stage": "ResponseComplete",`, ``, 1), "items[0].stage: missing"},
		{"an unknown stage", strings.Replace(string(good), `"stage": "ResponseComplete",`, `"stage": "Done",`, 1), `items[0].stage: "Done"`},
		{"an unknown level", strings.Replace(string(good), `"level": "Metadata",`, `"level": "Everything",`, 1), `items[2].level`},
		{"a missing auditID", strings.Replace(string(good), `"auditID": "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d",`, ``, 1), "items[8].auditID: missing"},
		{"a missing stageTimestamp", strings.Replace(string(good), `"stageTimestamp": "2026-03-14T09:35:19.412781Z",`, ``, 1), "items[8].stageTimestamp: missing"},
	} {
		t.Run(tc.name+" is refused and puts nothing", func(t *testing.T) {
			h, sink := newHandler(t, nil)
			w := post(h, []byte(tc.body), map[string]string{"Authorization": "Bearer " + token})
			if got, want := w.Code, http.StatusBadRequest; got != want {
				t.Fatalf("status %d, want %d: %s", got, want, w.Body)
			}
			if got := message(t, w); !strings.Contains(got, tc.want) {
				t.Errorf("message %q, want it to mention %q", got, tc.want)
			}
			if got := len(sink.records()); got != 0 {
				t.Errorf("%d records put from a malformed batch", got)
			}
		})
	}
}

func TestHandlerRefusesOtherMethods(t *testing.T) {
	h, _ := newHandler(t, nil)
	r := httptest.NewRequest(http.MethodGet, "/k8s/audit", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got, want := w.Code, http.StatusMethodNotAllowed; got != want {
		t.Errorf("status %d, want %d", got, want)
	}
	if got, want := w.Header().Get("Allow"), "POST"; got != want {
		t.Errorf("Allow %q, want %q", got, want)
	}
}

func TestHandlerRefusesLargeBodies(t *testing.T) {
	body := eventList(t)
	for _, tc := range []struct {
		name          string
		contentLength bool
	}{{"with a Content-Length", true}, {"chunked", false}} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			h, sink := newHandler(t, func(c *k8saudit.Config) { c.MaxBody = int64(len(body) - 1) })
			r := httptest.NewRequest(http.MethodPost, "/k8s/audit", bytes.NewReader(body))
			if !tc.contentLength {
				r.ContentLength = -1
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			r.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if got, want := w.Code, http.StatusRequestEntityTooLarge; got != want {
				t.Errorf("status %d, want %d: %s", got, want, w.Body)
			}
			if got := len(sink.records()); got != 0 {
				t.Errorf("%d records put", got)
			}
		})
	}
	t.Run("at the limit is accepted", func(t *testing.T) {
		h, _ := newHandler(t, func(c *k8saudit.Config) { c.MaxBody = int64(len(body)) })
		if w := post(h, body, map[string]string{"Authorization": "Bearer " + token}); w.Code != http.StatusOK {
			t.Errorf("status %d, want 200: %s", w.Code, w.Body)
		}
	})
}

func TestHandlerRefusesCompressedBodies(t *testing.T) {
	h, _ := newHandler(t, nil)
	w := post(h, eventList(t), map[string]string{"Authorization": "Bearer " + token, "Content-Encoding": "gzip"})
	if got, want := w.Code, http.StatusUnsupportedMediaType; got != want {
		t.Errorf("status %d, want %d", got, want)
	}
}

func TestHandlerAnswers503WhenTheSinkFails(t *testing.T) {
	h, sink := newHandler(t, nil)
	sink.err = errors.New("jetstream: no responders")
	w := post(h, eventList(t), map[string]string{"Authorization": "Bearer " + token})
	if got, want := w.Code, http.StatusServiceUnavailable; got != want {
		t.Fatalf("status %d, want %d", got, want)
	}
	if got, want := message(t, w), "jetstream: no responders"; !strings.Contains(got, want) {
		t.Errorf("message %q, want it to contain %q", got, want)
	}
}

func TestHandlerPutsNothingForABatchWithoutRecords(t *testing.T) {
	h, sink := newHandler(t, nil)
	sink.err = errors.New("must not be called")
	body := `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[]}`
	if w := post(h, []byte(body), map[string]string{"Authorization": "Bearer " + token}); w.Code != http.StatusOK {
		t.Errorf("status %d, want 200: %s", w.Code, w.Body)
	}
}

func TestHandlerIsSafeForConcurrentUse(t *testing.T) {
	h, sink := newHandler(t, nil)
	body := eventList(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if w := post(h, body, map[string]string{"Authorization": "Bearer " + token}); w.Code != http.StatusOK {
				t.Errorf("status %d: %s", w.Code, w.Body)
			}
		})
	}
	wg.Wait()
	if got, want := len(sink.records()), 8*8; got != want {
		t.Errorf("%d records, want %d", got, want)
	}
}

func TestNewHandlerRefusesBadConfigs(t *testing.T) {
	sink := &memorySink{}
	for _, tc := range []struct {
		name string
		c    k8saudit.Config
	}{
		{"no credentials", k8saudit.Config{Sink: sink}},
		{"an empty token", k8saudit.Config{Sink: sink, Tokens: []string{""}}},
		{"an empty subject", k8saudit.Config{Sink: sink, ClientCertSubjects: []string{" "}}},
		{"no sink", k8saudit.Config{Tokens: []string{token}}},
		{"a cluster with a colon", k8saudit.Config{Sink: sink, Tokens: []string{token}, Cluster: "a:b"}},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			if _, err := k8saudit.NewHandler(tc.c); err == nil {
				t.Error("no error")
			}
		})
	}
}

// TestHandlerClientCertificates serves the handler over TLS that asks for
// client certificates, as the server will.
func TestHandlerClientCertificates(t *testing.T) {
	ca, caKey := newCA(t)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	h, sink := newHandler(t, func(c *k8saudit.Config) {
		c.Tokens = nil
		c.ClientCertSubjects = []string{"kube-apiserver-audit", "CN=audit-2,O=prod-eu"}
	})
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()

	for _, tc := range []struct {
		name    string
		subject *pkix.Name
		want    int
	}{
		{"an allowed common name is accepted", &pkix.Name{CommonName: "kube-apiserver-audit"}, http.StatusOK},
		{"an allowed distinguished name is accepted", &pkix.Name{CommonName: "audit-2", Organization: []string{"prod-eu"}}, http.StatusOK},
		{"another organisation is refused", &pkix.Name{CommonName: "audit-2", Organization: []string{"staging"}}, http.StatusForbidden},
		{"another subject is refused", &pkix.Name{CommonName: "kubelet"}, http.StatusForbidden},
		{"no certificate is refused", nil, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			transport := srv.Client().Transport.(*http.Transport).Clone()
			if tc.subject != nil {
				transport.TLSClientConfig.Certificates = []tls.Certificate{newClientCert(t, ca, caKey, *tc.subject)}
			}
			client := &http.Client{Transport: transport}
			defer client.CloseIdleConnections()
			before := len(sink.records())
			resp, err := client.Post(srv.URL+"/k8s/audit", "application/json", bytes.NewReader(eventList(t)))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if got, want := resp.StatusCode, tc.want; got != want {
				t.Fatalf("status %d, want %d: %s", got, want, body)
			}
			put := len(sink.records()) - before
			if got, want := put > 0, tc.want == http.StatusOK; got != want {
				t.Errorf("%d records put", put)
			}
		})
	}
}

func newCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test audit CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return ca, key
}

func newClientCert(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, subject pkix.Name) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      subject,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
