package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/awsapi"
	"github.com/trailbridge/trailbridge/compliance"
	"github.com/trailbridge/trailbridge/delivery"
	"github.com/trailbridge/trailbridge/metrics"
	"github.com/trailbridge/trailbridge/natsjs"
	"github.com/trailbridge/trailbridge/router"
	"github.com/trailbridge/trailbridge/schedule"
	"github.com/trailbridge/trailbridge/sigv4"
	"github.com/trailbridge/trailbridge/target/queue"
)

// serveOptions are serve's settings, from flags and their environment
// twins.
type serveOptions struct {
	Addr       string
	DataDir    string
	ConfigFile string
	NATSURL    string
	Region     string
	AccountID  string
	Sync       string
	LogLevel   string
	// TLSCert and TLSKey make the API serve HTTPS; TLSClientCA lets
	// callers present client certificates (the Kubernetes webhook's).
	TLSCert, TLSKey, TLSClientCA string
	// AccessKeys maps access key ids to secrets, from
	// TRAILBRIDGE_ACCESS_KEYS ("ID:SECRET,ID:SECRET") and the config file.
	AccessKeys map[string]string
	// SecretKey seals connection secrets (TRAILBRIDGE_SECRET_KEY); empty
	// means a key file in DataDir. OldSecretKeys (comma-separated,
	// TRAILBRIDGE_SECRET_KEY_OLD) still open what they sealed, for
	// rotation.
	SecretKey, OldSecretKeys string

	// For tests and benchmarks: deliveryObserver also sees what the
	// delivery engine does; noDelivery leaves deliveries stored,
	// undelivered.
	deliveryObserver delivery.Observer
	noDelivery       bool
	// configEnv, when set, gives ${NAME} values of the config file before
	// the environment (the demo's addresses).
	configEnv func(string) (string, bool)
}

// envOr is the environment twin of a flag's default: name's value, when
// set and not empty (an empty variable is as if unset, as shells leave
// them), else def.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// envSource names the environment variable an error's flag took its value
// from, when it was not given on the command line: "--region "bad": …"
// says where "bad" came from.
func envSource(fs *flag.FlagSet, msg string) string {
	name, ok := strings.CutPrefix(msg, "--")
	if !ok {
		return msg
	}
	name, _, _ = strings.Cut(name, " ")
	name = strings.TrimSuffix(name, ":")
	f := fs.Lookup(name)
	if f == nil {
		return msg
	}
	set := false
	fs.Visit(func(v *flag.Flag) { set = set || v.Name == name })
	env := "TRAILBRIDGE_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	if set || os.Getenv(env) == "" {
		return msg
	}
	return msg + " (from " + env + ")"
}

func serveCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o serveOptions
	fs.StringVar(&o.Addr, "addr", envOr("TRAILBRIDGE_ADDR", "127.0.0.1:4010"), "`host:port` the API listens on (TRAILBRIDGE_ADDR)")
	fs.StringVar(&o.DataDir, "data-dir", envOr("TRAILBRIDGE_DATA_DIR", "./trailbridge-data"), "`folder` of the embedded JetStream's data (TRAILBRIDGE_DATA_DIR)")
	fs.StringVar(&o.ConfigFile, "config", envOr("TRAILBRIDGE_CONFIG", ""), "declarative YAML `file` applied at start (TRAILBRIDGE_CONFIG)")
	fs.StringVar(&o.NATSURL, "nats-url", envOr("TRAILBRIDGE_NATS_URL", ""), "`url` of an external NATS JetStream; empty runs one embedded (TRAILBRIDGE_NATS_URL)")
	fs.StringVar(&o.Region, "region", envOr("TRAILBRIDGE_REGION", "us-east-1"), "`region` in ARNs and events, and in signatures' scope (TRAILBRIDGE_REGION)")
	fs.StringVar(&o.AccountID, "account-id", envOr("TRAILBRIDGE_ACCOUNT_ID", "000000000000"), "12-digit `account` in ARNs and events (TRAILBRIDGE_ACCOUNT_ID)")
	fs.StringVar(&o.Sync, "sync", envOr("TRAILBRIDGE_SYNC", "always"), "embedded JetStream's disk sync: always (every write, before acknowledging), or an `interval` such as 2m (TRAILBRIDGE_SYNC)")
	fs.StringVar(&o.LogLevel, "log-level", envOr("TRAILBRIDGE_LOG_LEVEL", "info"), "debug, info, warn or error (TRAILBRIDGE_LOG_LEVEL)")
	fs.StringVar(&o.TLSCert, "tls-cert", envOr("TRAILBRIDGE_TLS_CERT", ""), "PEM `file` of the API's certificate: serve HTTPS (TRAILBRIDGE_TLS_CERT)")
	fs.StringVar(&o.TLSKey, "tls-key", envOr("TRAILBRIDGE_TLS_KEY", ""), "PEM `file` of its private key (TRAILBRIDGE_TLS_KEY)")
	fs.StringVar(&o.TLSClientCA, "tls-client-ca", envOr("TRAILBRIDGE_TLS_CLIENT_CA", ""), "PEM `file` of the CAs whose client certificates are verified, e.g. the Kubernetes webhook's (TRAILBRIDGE_TLS_CLIENT_CA)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "trailbridge serve: unexpected arguments %q\n", fs.Args())
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.LogLevel)); err != nil {
		fmt.Fprintf(stderr, "trailbridge serve: %s\n", envSource(fs, fmt.Sprintf("--log-level: %v", err)))
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	keys, err := parseAccessKeys(os.Getenv("TRAILBRIDGE_ACCESS_KEYS"))
	if err != nil {
		fmt.Fprintf(stderr, "trailbridge serve: TRAILBRIDGE_ACCESS_KEYS: %v\n", err)
		return 2
	}
	o.AccessKeys = keys
	debug.SetGCPercent(serveGCPercent())
	runtime.GOMAXPROCS(serveProcs())
	o.SecretKey = os.Getenv("TRAILBRIDGE_SECRET_KEY")
	o.OldSecretKeys = os.Getenv("TRAILBRIDGE_SECRET_KEY_OLD")
	a, err := startApp(ctx, o, log)
	if err != nil {
		fmt.Fprintf(stderr, "trailbridge serve: %s\n", envSource(fs, err.Error()))
		return 1
	}
	<-ctx.Done()
	log.Info("shutting down")
	a.Close()
	log.Info("stopped")
	return 0
}

// serveGCPercent is the garbage collector's target for serve: 400 unless
// GOGC says otherwise. Go's default of 100 collects a server's small,
// fast-churning heap so often that collections show in the latency tail:
// BenchmarkDelivery's rate=1000/sync=2m p99 went from 7.3–7.7 ms at 100 to
// 5.2–5.3 ms at 400, for a heap a few times larger (tens of MB).
func serveGCPercent() int {
	if v, ok := os.LookupEnv("GOGC"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		if v == "off" {
			return -1
		}
	}
	return 400
}

// serveProcs is how many goroutines serve runs at once (GOMAXPROCS): two
// more than Go's default (the CPUs it may use), unless GOMAXPROCS is set.
// With every write synced, JetStream's writers spend much of their time in
// fsync, and a goroutine in a system call keeps its P until the runtime's
// monitor takes it back, which it does only after 20 µs to 10 ms and not
// while another P is idle; on two CPUs one fsync in progress often left
// one P for everything else. Two spare Ps let that many writers wait on
// the disk without holding up the rest. Measured side by side on a 2-core
// machine (4 Ps against 2): PutEvents with every event matching a rule
// 15.8–18.3 K events/s against 13.7–15.2 K, p99 10–13 ms against 15–16 ms;
// delivery at 1,000 events/s p50 1.5–2.1 ms against 2.5–4.1 ms. Setting
// it stops Go from following a changed container CPU limit while running;
// such a change takes a restart.
func serveProcs() int {
	if v, ok := os.LookupEnv("GOMAXPROCS"); ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
	}
	return runtime.GOMAXPROCS(0) + 2
}

// parseAccessKeys reads "ID:SECRET,ID:SECRET".
func parseAccessKeys(s string) (map[string]string, error) {
	keys := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		id, secret, ok := strings.Cut(pair, ":")
		if !ok || id == "" || secret == "" {
			return nil, fmt.Errorf("%q is not ACCESS_KEY_ID:SECRET_ACCESS_KEY", redact(pair))
		}
		keys[id] = secret
	}
	return keys, nil
}

// redact keeps an access key pair's id and hides its secret.
func redact(pair string) string {
	id, _, _ := strings.Cut(pair, ":")
	return id + ":…"
}

var (
	reAccount = regexp.MustCompile(`^\d{12}$`)
	reRegion  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
)

// app is a running trailbridge: engine, API, router and schedules.
type app struct {
	URL     string // the API's base URL
	Engine  *natsjs.Engine
	Config  *natsjs.Config
	Metrics *metrics.Metrics
	log     *slog.Logger
	http    *http.Server
	// Interceptors are the base URLs of the capturing proxies.
	Interceptors []string
	// stoppers stop listeners other than the API's, first.
	stoppers   []func(context.Context)
	handoffs   []namedHandoff
	compliance *compliance.Writer
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	closed     sync.Once
	// listener is the API's, taken early; Serve owns it once started.
	listener       net.Listener
	releaseDataDir func()
}

// startApp starts everything serve runs and returns once the API listens.
func startApp(ctx context.Context, o serveOptions, log *slog.Logger) (*app, error) {
	if !reAccount.MatchString(o.AccountID) {
		return nil, fmt.Errorf("--account-id %q: must be 12 digits", o.AccountID)
	}
	if !reRegion.MatchString(o.Region) {
		return nil, fmt.Errorf("--region %q: not a region name such as us-east-1", o.Region)
	}
	var syncInterval time.Duration
	if o.Sync != "always" && o.NATSURL != "" {
		log.Warn("--sync applies to the embedded JetStream only; an external server syncs as it is configured", "sync", o.Sync)
	}
	if o.Sync != "always" {
		d, err := time.ParseDuration(o.Sync)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("--sync %q: must be always or a positive duration such as 2m", o.Sync)
		}
		syncInterval = d
	}
	file, err := loadConfigFileEnv(o.ConfigFile, o.configEnv)
	if err != nil {
		return nil, err
	}
	keys := map[string]string{}
	for id, secret := range o.AccessKeys {
		keys[id] = secret
	}
	for _, k := range file.accessKeys() {
		keys[k[0]] = k[1]
	}
	if err := checkAddr(o.Addr); err != nil {
		return nil, fmt.Errorf("--addr %q: %w", o.Addr, err)
	}
	devMode := len(keys) == 0
	if devMode && !loopback(o.Addr) {
		return nil, fmt.Errorf("refusing to listen on %s without access keys: set TRAILBRIDGE_ACCESS_KEYS or AccessKeys in the config, or listen on a loopback address", o.Addr)
	}
	var tlsConfig *tls.Config
	switch {
	case o.TLSCert != "" || o.TLSKey != "":
		if tlsConfig, err = listenerTLS(o.TLSCert, o.TLSKey, o.TLSClientCA, false); err != nil {
			return nil, fmt.Errorf("--tls-cert, --tls-key: %w", err)
		}
	case o.TLSClientCA != "":
		return nil, errors.New("--tls-client-ca needs --tls-cert and --tls-key")
	}
	place := tb.Place{Region: o.Region, Account: o.AccountID}

	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a := &app{log: log, cancel: cancel, Metrics: metrics.New()}
	fail := func(err error) (*app, error) {
		a.Close()
		return nil, err
	}
	// The data folder and the API's address are taken before anything is
	// written, so that a second server on the same folder or a taken port
	// changes nothing.
	if a.releaseDataDir, err = openDataDir(o.DataDir); err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fail(fmt.Errorf("listen: %w", err))
	}
	a.listener = ln
	a.Engine, err = natsjs.Open(ctx, natsjs.Options{URL: o.NATSURL, DataDir: o.DataDir, SyncInterval: syncInterval, Logger: log})
	if err != nil {
		return fail(err)
	}
	a.Config, err = a.Engine.Config(bg)
	if err != nil {
		return fail(err)
	}
	seen, err := a.Engine.Seen(bg)
	if err != nil {
		return fail(err)
	}
	eb := &awsapi.EventBridge{Store: a.Config, Resources: a.Config, Events: a.Engine, Place: place, Log: log, Observer: a.Metrics, Seen: seen}
	if dir := file.Audit.ComplianceDir; dir != "" {
		w, err := compliance.New(compliance.Config{
			Dir: dir, Account: place.Account, Region: place.Region,
			MaxRecords: file.Audit.ComplianceMaxRecords, MaxAge: file.Audit.ComplianceMaxAge,
			Logger: log.With("component", "compliance"),
		})
		if err != nil {
			return fail(fmt.Errorf("compliance copy: %w", err))
		}
		a.compliance = w
		eb.AuditCopy = w
		a.wg.Go(func() { w.Run(bg) })
	}
	box, err := secretBox(o, file, log)
	if err != nil {
		return fail(err)
	}
	conns := &awsapi.Connections{EB: eb, Secrets: box}
	msgs, err := a.Engine.Queues()
	if err != nil {
		return fail(err)
	}
	sqs := &awsapi.SQS{Resources: a.Config, Messages: msgs, Place: place, Log: log}
	queues := &queue.Kind{Sender: sqs, Place: place}
	reg, err := targets(o, file, a.Engine, a.Config, conns, queues, place, log)
	if err != nil {
		return fail(err)
	}

	rt := router.New(a.Config, a.Engine, a.Metrics, log)
	var observer delivery.Observer = a.Metrics
	if o.deliveryObserver != nil {
		observer = teeObserver{a.Metrics, o.deliveryObserver}
	}
	dl := &delivery.Engine{
		Rules:       a.Config,
		Queue:       deliveryQueue{a.Engine},
		Targets:     reg,
		Observer:    observer,
		Place:       place,
		Log:         log,
		DeadLetters: queue.DeadLetters{Kind: queues},
	}
	a.Config.OnChange(func(c natsjs.Change) {
		if c.Resource == "" {
			rt.Changed(c.Bus, c.Rule)
			dl.Changed(c.Bus, c.Rule)
		}
	})
	rt.Load()
	if !o.noDelivery {
		a.wg.Go(func() { dl.Run(bg) })
	}
	a.wg.Go(func() {
		if err := a.Engine.ConsumeEvents(bg, rt.Route); err != nil {
			log.Error("router stopped", "err", err)
		}
	})
	runner := &schedule.Runner{Rules: a.Config, Events: a.Engine, Place: place, Log: log}
	a.wg.Go(func() { runner.Run(bg) })

	verifier := &sigv4.Verifier{Service: "events", Region: o.Region}
	if !devMode {
		verifier.Lookup = func(id string) (string, bool) {
			s, ok := keys[id]
			return s, ok
		}
	}
	sqsVerifier := &sigv4.Verifier{Service: "sqs", Region: o.Region, Lookup: verifier.Lookup}
	api := &awsapi.Server{EventBridge: eb, Connections: conns, SQS: sqs, SQSVerifier: sqsVerifier, Verifier: verifier, Log: log, Observe: a.Metrics.Request}
	if f := file.Audit.SelfAudit; f == nil || *f {
		if api.Audit, err = a.selfAudit(bg, o, eb, log); err != nil {
			return fail(err)
		}
	}
	startInterceptors, err := a.prepareInterceptors(ctx, bg, file, o, eb, place, log)
	if err != nil {
		return fail(err)
	}
	a.Metrics.Registry().MustRegister(handoffCollector{a})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !a.Engine.Healthy() {
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]string{"status": "nats unreachable"})
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	})
	mux.Handle("GET /metrics", a.Metrics.Handler())
	mux.Handle("/", api.Handler())
	k8s, err := k8sAuditHandler(file, eb, place, log)
	if err != nil {
		return fail(err)
	}
	if k8s != nil {
		mux.Handle("/k8s/audit", k8s)
	}
	// The file is applied once nothing else can refuse the start: a
	// refused start changes nothing.
	if err := file.apply(ctx, conns, sqs); err != nil {
		return fail(err)
	}
	startInterceptors()

	a.URL = "http://" + ln.Addr().String()
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
		a.URL = "https://" + ln.Addr().String()
	}
	a.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute, // a 1 MiB body needs far less; a stalled one is dropped
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	a.wg.Go(func() {
		if err := a.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	})
	engine := "embedded JetStream in " + o.DataDir
	if o.NATSURL != "" {
		engine = "JetStream at " + o.NATSURL
	}
	log.Info("trailbridge serving", "url", a.URL, "engine", engine, "region", o.Region, "account", o.AccountID)
	if devMode {
		log.Warn("development mode: no access keys configured, so any well-formed signature is accepted; this is allowed on loopback addresses only")
	}
	return a, nil
}

// Close stops the API (letting requests in flight finish), then the router
// and schedules, then the engine.
func (a *app) Close() {
	a.closed.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, stop := range a.stoppers {
			stop(ctx)
		}
		if a.http != nil {
			a.http.Shutdown(ctx)
		} else if a.listener != nil {
			a.listener.Close()
		}
		a.cancel()
		a.wg.Wait()
		if a.compliance != nil {
			if err := a.compliance.Close(); err != nil {
				a.log.Error("compliance copy: close", "err", err)
			}
		}
		if a.Engine != nil {
			a.Engine.Close()
		}
		if a.releaseDataDir != nil {
			a.releaseDataDir()
		}
	})
}

// checkAddr refuses an address net.Listen would take in a way nobody
// means: empty (every interface, a random port) or without a port.
func checkAddr(addr string) error {
	if addr == "" {
		return errors.New("empty: give HOST:PORT, such as 127.0.0.1:4010")
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("not HOST:PORT: %w", err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q: not a number from 0 to 65535", port)
	}
	return nil
}

// loopback reports whether addr's host is a loopback address (or localhost).
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
