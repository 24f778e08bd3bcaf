package k8saudit

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/trailbridge/trailbridge/capture"
)

// The defaults of Config.
const (
	DefaultCluster = "kubernetes"
	DefaultAccount = "000000000000"
	DefaultRegion  = "us-east-1"
	DefaultMaxBody = 10 << 20 // the API server's largest batch with --audit-webhook-truncate-enabled
)

// Config configures the webhook's Handler. At least one bearer token or
// client certificate subject is required: the endpoint is never open.
type Config struct {
	// Tokens are the bearer tokens accepted (the token of the webhook
	// kubeconfig's user). They are compared in constant time.
	Tokens []string
	// ClientCertSubjects are the client certificates accepted, by their
	// subject: an entry with "=" is a whole distinguished name as Go
	// prints it ("CN=kube-apiserver,O=audit"), one without is a common
	// name. Only certificates the server's TLS verified count
	// (http.Request.TLS.VerifiedChains); the server configures TLS.
	ClientCertSubjects []string
	// Cluster names the cluster in records (ARNs and
	// additionalEventData.cluster): no colon, slash or space. Default
	// "kubernetes".
	Cluster string
	// Account and Region fill the records' account and awsRegion.
	// Defaults 000000000000 and us-east-1.
	Account string
	Region  string
	// Sink receives each batch's records.
	Sink capture.Sink
	// MaxBody is the largest body accepted, in bytes. Default 10 MiB.
	MaxBody int64
	// Logger logs refused and failed batches. Default slog.Default().
	Logger *slog.Logger
}

// Handler serves POST /k8s/audit: it authenticates the API server,
// parses its EventList, converts the events that make records and puts
// them on the bus through the Sink, answering 200 only once the Sink
// has accepted the whole batch. A malformed batch puts nothing.
//
// Answers (JSON bodies): 200 {} when the batch is on the bus; 400 for a
// body that is not an audit.k8s.io/v1 EventList, with what and where;
// 401 (with WWW-Authenticate) without a credential or with a wrong
// token; 403 for a client certificate not allowed; 405 for a method
// other than POST; 413 for a body over MaxBody; 415 for a compressed
// body; 503 when the Sink fails, so that the API server sends the batch
// again.
//
// A Handler is safe for concurrent use.
type Handler struct {
	conv     Converter
	tokens   [][sha256.Size]byte
	subjects []string
	sink     capture.Sink
	maxBody  int64
	log      *slog.Logger
}

// NewHandler checks a Config and returns its Handler.
func NewHandler(c Config) (*Handler, error) {
	h := &Handler{
		conv:    Converter{Cluster: c.Cluster, Account: c.Account, Region: c.Region},
		sink:    c.Sink,
		maxBody: c.MaxBody,
		log:     c.Logger,
	}
	if h.conv.Cluster == "" {
		h.conv.Cluster = DefaultCluster
	}
	if h.conv.Account == "" {
		h.conv.Account = DefaultAccount
	}
	if h.conv.Region == "" {
		h.conv.Region = DefaultRegion
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBody
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if strings.ContainsAny(h.conv.Cluster, ":/ \t\r\n") {
		return nil, fmt.Errorf("k8s audit: cluster %q: a cluster name has no colon, slash or space", h.conv.Cluster)
	}
	if h.sink == nil {
		return nil, errors.New("k8s audit: no sink")
	}
	for i, t := range c.Tokens {
		if t == "" {
			return nil, fmt.Errorf("k8s audit: token %d is empty", i+1)
		}
		h.tokens = append(h.tokens, sha256.Sum256([]byte(t)))
	}
	for i, s := range c.ClientCertSubjects {
		if strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("k8s audit: client certificate subject %d is empty", i+1)
		}
		h.subjects = append(h.subjects, strings.TrimSpace(s))
	}
	if len(h.tokens) == 0 && len(h.subjects) == 0 {
		return nil, errors.New("k8s audit: no tokens and no client certificate subjects: the endpoint would be open")
	}
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, http.StatusMethodNotAllowed, "method %s not allowed: POST an audit.k8s.io/v1 EventList", r.Method)
		return
	}
	if status, msg := h.authenticate(r); status != 0 {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="trailbridge k8s audit"`)
		}
		h.refuse(w, r, status, "%s", msg)
		return
	}
	if enc := r.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		h.refuse(w, r, http.StatusUnsupportedMediaType, "Content-Encoding %q not supported: send the EventList uncompressed", enc)
		return
	}
	if r.ContentLength > h.maxBody {
		h.refuse(w, r, http.StatusRequestEntityTooLarge, "body of %d bytes is larger than the %d accepted: lower --audit-webhook-batch-max-size or set --audit-webhook-truncate-enabled", r.ContentLength, h.maxBody)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			h.refuse(w, r, http.StatusRequestEntityTooLarge, "body is larger than the %d bytes accepted: lower --audit-webhook-batch-max-size or set --audit-webhook-truncate-enabled", h.maxBody)
			return
		}
		h.refuse(w, r, http.StatusBadRequest, "reading the body: %v", err)
		return
	}
	list, err := ParseEventList(body)
	if err != nil {
		h.refuse(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	batch, err := h.conv.Captured(list)
	if err != nil {
		h.refuse(w, r, http.StatusBadRequest, "%v", fmt.Errorf("%w: %w", ErrMalformed, err))
		return
	}
	if len(batch) > 0 {
		if err := h.sink.Put(r.Context(), batch); err != nil {
			h.log.Error("k8s audit: batch not accepted; the API server will send it again",
				"cluster", h.conv.Cluster, "events", len(list.Items), "records", len(batch), "err", err)
			writeJSON(w, http.StatusServiceUnavailable, errorBody{Message: "the bus did not accept the batch, send it again: " + err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// authenticate returns 0 for a caller with a valid token or an allowed,
// verified client certificate; otherwise the status and why.
func (h *Handler) authenticate(r *http.Request) (int, string) {
	token, hasToken := bearer(r)
	if hasToken && h.tokenOK(token) {
		return 0, ""
	}
	cert := verifiedClient(r)
	if cert != nil && h.subjectOK(cert) {
		return 0, ""
	}
	switch {
	case hasToken:
		return http.StatusUnauthorized, "the bearer token is not one of the configured tokens"
	case cert != nil:
		return http.StatusForbidden, fmt.Sprintf("client certificate %q is not allowed", cert.Subject.String())
	}
	return http.StatusUnauthorized, "no credential: send a bearer token (the kubeconfig user's token) or a client certificate"
}

// bearer returns the request's bearer token, and whether it has an
// Authorization header at all (any other scheme counts as a wrong token).
func bearer(r *http.Request) (string, bool) {
	v := r.Header.Get("Authorization")
	if v == "" {
		return "", false
	}
	scheme, token, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(token), true
}

// tokenOK compares the token with every configured one in constant time.
func (h *Handler) tokenOK(token string) bool {
	if token == "" {
		return false
	}
	sum := sha256.Sum256([]byte(token))
	ok := 0
	for i := range h.tokens {
		ok |= subtle.ConstantTimeCompare(sum[:], h.tokens[i][:])
	}
	return ok == 1
}

// verifiedClient returns the leaf of the client's verified certificate
// chain, or nil.
func verifiedClient(r *http.Request) *x509.Certificate {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return nil
	}
	return r.TLS.VerifiedChains[0][0]
}

func (h *Handler) subjectOK(cert *x509.Certificate) bool {
	dn := cert.Subject.String()
	for _, s := range h.subjects {
		if strings.Contains(s, "=") && s == dn || !strings.Contains(s, "=") && s == cert.Subject.CommonName {
			return true
		}
	}
	return false
}

type errorBody struct {
	Message string `json:"message"`
}

// refuse answers a request that puts nothing, and logs why.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	level := slog.LevelInfo
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		level = slog.LevelWarn
	}
	h.log.Log(r.Context(), level, "k8s audit: batch refused", "status", status, "remote", r.RemoteAddr, "reason", msg)
	writeJSON(w, status, errorBody{Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v) // the values written here always marshal
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
