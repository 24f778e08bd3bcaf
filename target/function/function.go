package function

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge/target"
)

// Defaults of a Spec's zero fields, those of the configuration file.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultConcurrency = 10
)

// Spec defines one function.
type Spec struct {
	Name string
	// Command is the program and its arguments; the payload is its
	// standard input. Exactly one of Command and URL is set.
	Command []string
	// URL receives the payload as an HTTP POST.
	URL string
	// Environment is added to a command's environment.
	Environment map[string]string
	// Timeout bounds one invocation; 0 means DefaultTimeout.
	Timeout time.Duration
	// Concurrency is how many invocations may run at once; 0 means
	// DefaultConcurrency.
	Concurrency int
	// Dir is a command's working directory; "" means trailbridge's.
	Dir string
}

// Kind makes the targets of the functions it was given. It is safe for
// concurrent use; the functions are fixed when it is made.
type Kind struct {
	fns    map[string]*function
	client *http.Client
	log    *slog.Logger
}

// New checks specs and returns the Kind that runs them. log receives what
// commands write; nil discards it.
func New(specs []Spec, log *slog.Logger) (*Kind, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	k := &Kind{
		fns: map[string]*function{},
		client: &http.Client{
			Transport: tr,
			// A redirected POST would become a GET without the payload:
			// answer the redirect as the failure it is instead.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		log: log,
	}
	var errs []error
	for i, s := range specs {
		if err := check(&s); err != nil {
			errs = append(errs, fmt.Errorf("function %d (%q): %w", i, s.Name, err))
			continue
		}
		if k.fns[s.Name] != nil {
			errs = append(errs, fmt.Errorf("function %d: the name %q is already taken", i, s.Name))
			continue
		}
		k.fns[s.Name] = &function{kind: k, spec: s, slots: make(chan struct{}, s.Concurrency)}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("functions: %w", err)
	}
	return k, nil
}

// check validates s and fills in its defaults.
func check(s *Spec) error {
	var errs []error
	if s.Name == "" {
		errs = append(errs, errors.New("the name is empty"))
	}
	if strings.ContainsAny(s.Name, ":/\x00") {
		errs = append(errs, errors.New("the name cannot contain ':', '/' or NUL"))
	}
	switch {
	case len(s.Command) == 0 && s.URL == "":
		errs = append(errs, errors.New("needs a Command or a URL"))
	case len(s.Command) > 0 && s.URL != "":
		errs = append(errs, errors.New("has both a Command and a URL"))
	case len(s.Command) > 0 && s.Command[0] == "":
		errs = append(errs, errors.New("the program to run is empty"))
	case s.URL != "":
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("URL %q is not an http or https URL", s.URL))
		}
	}
	for _, a := range s.Command {
		if strings.ContainsRune(a, 0) {
			errs = append(errs, errors.New("a Command argument contains NUL"))
		}
	}
	for k, v := range s.Environment {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(v, 0) {
			errs = append(errs, fmt.Errorf("invalid environment variable %q", k))
		}
	}
	switch {
	case s.Timeout < 0:
		errs = append(errs, fmt.Errorf("the timeout %v is negative", s.Timeout))
	case s.Timeout == 0:
		s.Timeout = DefaultTimeout
	}
	switch {
	case s.Concurrency < 0:
		errs = append(errs, fmt.Errorf("the concurrency %d is negative", s.Concurrency))
	case s.Concurrency == 0:
		s.Concurrency = DefaultConcurrency
	}
	// The Kind keeps its own copies: the caller's may change.
	s.Command = append([]string(nil), s.Command...)
	s.Environment = maps.Clone(s.Environment)
	return errors.Join(errs...)
}

// Target returns the function an ARN names:
// arn:aws:lambda:REGION:ACCOUNT:function:NAME, or NAME:QUALIFIER.
func (k *Kind) Target(_ context.Context, arn string) (target.Target, error) {
	name, ok := parseARN(arn)
	if !ok {
		return nil, target.Fail(target.CodeInvalidPayload, "%q is not a function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)", arn)
	}
	fn := k.fns[name]
	if fn == nil {
		return nil, target.Fail(target.CodeNoResource, "function %s is not defined", name)
	}
	return fn, nil
}

func parseARN(arn string) (name string, ok bool) {
	service, resource, ok := target.SplitARN(arn)
	if !ok || service != "lambda" {
		return "", false
	}
	rest, ok := strings.CutPrefix(resource, "function:")
	if !ok {
		return "", false
	}
	name, qualifier, hasQualifier := strings.Cut(rest, ":")
	if name == "" || (hasQualifier && !validQualifier(qualifier)) {
		return "", false
	}
	return name, true
}

// validQualifier reports whether s can be a version ($LATEST, 1) or an
// alias of a function.
func validQualifier(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '$') {
			return false
		}
	}
	return true
}

// function is the target of one Spec. It is safe for concurrent use.
type function struct {
	kind  *Kind
	spec  Spec
	slots chan struct{} // one token per running invocation
}

// Invoke runs the function once.
func (f *function) Invoke(ctx context.Context, inv *target.Invocation) error {
	if err := ctx.Err(); err != nil {
		return ctxError(err, "before the function %s started", f.spec.Name)
	}
	// Wait for a slot under the caller's context only: Spec.Timeout is
	// how long the function may run, not how long it may queue.
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return ctxError(ctx.Err(), "while the function %s was busy with %d invocations", f.spec.Name, f.spec.Concurrency)
	}
	defer func() { <-f.slots }()
	ctx, cancel := context.WithTimeout(ctx, f.spec.Timeout)
	defer cancel()
	if f.spec.URL != "" {
		return f.post(ctx, inv)
	}
	return f.run(ctx, inv)
}

// ctxError is the error of an attempt whose context ended: a timeout when
// its deadline passed, else cancellation (trailbridge stopping), both worth
// another attempt.
func ctxError(err error, format string, args ...any) *target.Error {
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, context.DeadlineExceeded) {
		return &target.Error{Code: target.CodeTimeout, Message: "the attempt timed out " + what, Retryable: true, Err: err}
	}
	return &target.Error{Code: target.CodeInternal, Message: "the attempt was cancelled " + what, Retryable: true, Err: err}
}

// invocationVars describes an invocation, as environment variables of a
// command and (with the prefix turned into a header's) headers of a URL.
func (f *function) invocationVars(inv *target.Invocation) [][2]string {
	vars := [][2]string{
		{"FUNCTION", f.spec.Name},
		{"RULE", inv.Rule},
		{"RULE_ARN", inv.RuleArn},
		{"BUS", inv.Bus},
		{"ATTEMPT", strconv.Itoa(inv.Attempt)},
	}
	if inv.Target != nil {
		vars = append(vars, [2]string{"TARGET_ID", inv.Target.Id})
	}
	if id := eventID(inv.Event); id != "" {
		vars = append(vars, [2]string{"EVENT_ID", id})
	}
	return vars
}

// eventID returns the id of an envelope written by trailbridge, which
// always begins {"version":"0","id":"…", or "" for any other: the id is a
// convenience, not worth parsing a 256 KB event for.
func eventID(ev []byte) string {
	const prefix = `{"version":"0","id":"`
	if len(ev) < len(prefix) || string(ev[:len(prefix)]) != prefix {
		return ""
	}
	rest := ev[len(prefix):]
	for i, c := range rest {
		switch {
		case c == '"':
			return string(rest[:i])
		case c == '\\' || c < 0x20 || i >= 128:
			return ""
		}
	}
	return ""
}
