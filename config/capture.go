package config

import (
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Interceptor is a capturing reverse proxy that serve runs: every call
// through it to Upstream becomes a CloudTrail record on a bus.
type Interceptor struct {
	Key            string `yaml:"-"` // path in the file, such as Interceptors[0]
	Name           string
	Listen         string // host:port the proxy listens on
	Upstream       string // the API's base URL
	Mode           string // "http" (default): your own API; "aws": AWS-style traffic named from the request
	EventSource    string // eventSource of http-mode records, such as orders.example.com
	Source         string // the envelope's source; default aws.<service> or the eventSource
	DetailType     string // the envelope's detail-type; default from eventType
	EventBusName   string // default: the default bus
	OpenAPI        string // path of an OpenAPI 3 document naming the operations
	Routes         []Route
	TrustedProxies []string // CIDRs or addresses whose X-Forwarded-For is believed
	MaxBodyBytes   int      // bodies longer than this are summarised; 0 means the default
	FailClosed     bool     // refuse calls whose record cannot be kept
	Region         string   // awsRegion of http-mode records; default the server's
	Identity       CaptureIdentity
	TLS            *ListenerTLS // serve the proxy over TLS
}

// ListenerTLS makes a listener serve TLS: its certificate and key (PEM
// files), and optionally the CAs whose client certificates it verifies
// (callers then may, or with RequireClientCertificate must, present one).
type ListenerTLS struct {
	CertFile                 string
	KeyFile                  string
	ClientCAFile             string
	RequireClientCertificate bool
}

// Route names calls to one method and path template.
type Route struct {
	Method    string
	Path      string // a template such as /orders/{id}
	EventName string
	ReadOnly  *bool // default: GET, HEAD and OPTIONS are read-only
	DataEvent bool
}

// CaptureIdentity says how an interceptor establishes who calls. Every
// kind configured is tried in turn: SigV4, a bearer JWT, HTTP Basic, a
// TLS client certificate.
type CaptureIdentity struct {
	AccessKeys []Principal
	Jwt        *JWT
	BasicUsers []BasicUser
}

// Principal is an access key an interceptor verifies, and who it is.
type Principal struct {
	AccessKeyId      string
	SecretAccessKey  string
	Type             string // IAMUser (default) or AssumedRole
	UserName         string // IAMUser
	RoleName         string // AssumedRole
	SessionName      string // AssumedRole
	AccountId        string // default: the server's account
	MFAAuthenticated bool
}

// JWT verifies bearer tokens: with Secret (HMAC), PublicKeyFile (PEM) or
// JwksUrl.
type JWT struct {
	Issuer        string
	Audience      []string
	Secret        string
	PublicKeyFile string
	JwksUrl       string
	UserNameClaim string // default sub
}

// BasicUser is an HTTP Basic user and password (or sha256:HEX of it).
type BasicUser struct {
	UserName string
	Password string
}

// Audit configures how trailbridge keeps its own trail: the records of
// calls to its API, and the compliance copy of every record.
type Audit struct {
	// SelfAudit records calls to trailbridge's own API on the default bus,
	// as AWS does for EventBridge and SQS; true when omitted.
	SelfAudit *bool
	// ComplianceDir, when set, is where every captured or ingested record
	// is also written as CloudTrail log files, with hourly digests.
	ComplianceDir string
	// ComplianceMaxRecords and ComplianceMaxAge bound a log file: 1000
	// records and 5 minutes when omitted.
	ComplianceMaxRecords int
	ComplianceMaxAge     time.Duration
}

// K8sAudit configures POST /k8s/audit, the Kubernetes audit webhook.
type K8sAudit struct {
	Tokens             []string // bearer tokens the API server presents
	ClientCertSubjects []string // or client certificate subjects (when serve uses TLS)
	Cluster            string
	EventBusName       string
}

var reInterceptorName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func (d *decoder) interceptor(path string, n ast.Node) Interceptor {
	in := Interceptor{Key: path}
	d.object(path, n, fields{
		"Name":         d.str(&in.Name),
		"Listen":       d.str(&in.Listen),
		"Upstream":     d.str(&in.Upstream),
		"Mode":         d.str(&in.Mode),
		"EventSource":  d.str(&in.EventSource),
		"Source":       d.str(&in.Source),
		"DetailType":   d.str(&in.DetailType),
		"EventBusName": d.str(&in.EventBusName),
		"OpenAPI":      d.str(&in.OpenAPI),
		"Routes": func(p string, n ast.Node) {
			d.list(p, n, func(p string, n ast.Node) {
				var r Route
				d.object(p, n, fields{
					"Method":    d.str(&r.Method),
					"Path":      d.str(&r.Path),
					"EventName": d.str(&r.EventName),
					"ReadOnly": func(p string, n ast.Node) {
						var b bool
						set := false
						d.bool(&b)(p, n)
						if v, ok := d.resolve(p, n); ok && v != nil {
							set = true
						}
						if set {
							r.ReadOnly = &b
						}
					},
					"DataEvent": d.bool(&r.DataEvent),
				})
				in.Routes = append(in.Routes, r)
			})
		},
		"TrustedProxies": d.strList(&in.TrustedProxies),
		"MaxBodyBytes":   d.int(&in.MaxBodyBytes),
		"FailClosed":     d.bool(&in.FailClosed),
		"Region":         d.str(&in.Region),
		"TLS": func(p string, n ast.Node) {
			t := &ListenerTLS{}
			d.object(p, n, fields{
				"CertFile":                 d.str(&t.CertFile),
				"KeyFile":                  d.str(&t.KeyFile),
				"ClientCAFile":             d.str(&t.ClientCAFile),
				"RequireClientCertificate": d.bool(&t.RequireClientCertificate),
			})
			in.TLS = t
		},
		"Identity": func(p string, n ast.Node) {
			d.object(p, n, fields{
				"AccessKeys": func(p string, n ast.Node) {
					d.list(p, n, func(p string, n ast.Node) {
						var k Principal
						d.object(p, n, fields{
							"AccessKeyId":      d.str(&k.AccessKeyId),
							"SecretAccessKey":  d.str(&k.SecretAccessKey),
							"Type":             d.str(&k.Type),
							"UserName":         d.str(&k.UserName),
							"RoleName":         d.str(&k.RoleName),
							"SessionName":      d.str(&k.SessionName),
							"AccountId":        d.str(&k.AccountId),
							"MFAAuthenticated": d.bool(&k.MFAAuthenticated),
						})
						in.Identity.AccessKeys = append(in.Identity.AccessKeys, k)
					})
				},
				"Jwt": func(p string, n ast.Node) {
					j := &JWT{}
					d.object(p, n, fields{
						"Issuer":        d.str(&j.Issuer),
						"Audience":      d.strList(&j.Audience),
						"Secret":        d.str(&j.Secret),
						"PublicKeyFile": d.str(&j.PublicKeyFile),
						"JwksUrl":       d.str(&j.JwksUrl),
						"UserNameClaim": d.str(&j.UserNameClaim),
					})
					in.Identity.Jwt = j
				},
				"BasicUsers": func(p string, n ast.Node) {
					d.list(p, n, func(p string, n ast.Node) {
						var u BasicUser
						d.object(p, n, fields{"UserName": d.str(&u.UserName), "Password": d.str(&u.Password)})
						in.Identity.BasicUsers = append(in.Identity.BasicUsers, u)
					})
				},
			})
		},
	})
	return in
}

func (d *decoder) audit(path string, n ast.Node) Audit {
	var a Audit
	d.object(path, n, fields{
		"SelfAudit": func(p string, n ast.Node) {
			var b bool
			d.bool(&b)(p, n)
			if v, ok := d.resolve(p, n); ok && v != nil {
				a.SelfAudit = &b
			}
		},
		"ComplianceDir":        d.str(&a.ComplianceDir),
		"ComplianceMaxRecords": d.int(&a.ComplianceMaxRecords),
		"ComplianceMaxAge":     d.duration(&a.ComplianceMaxAge),
	})
	return a
}

func (d *decoder) k8sAudit(path string, n ast.Node) *K8sAudit {
	k := &K8sAudit{}
	d.object(path, n, fields{
		"Tokens":             d.strList(&k.Tokens),
		"ClientCertSubjects": d.strList(&k.ClientCertSubjects),
		"Cluster":            d.str(&k.Cluster),
		"EventBusName":       d.str(&k.EventBusName),
	})
	return k
}

func (c *checker) interceptors(ins []Interceptor) {
	names, listens := map[string]string{}, map[string]string{}
	for i, in := range ins {
		p := index("Interceptors", i)
		c.required(p, "Name", in.Name)
		c.unique(names, in.Name, child(p, "Name"), p, "interceptor "+quoted(in.Name))
		// The name is also the folder of the interceptor's spool.
		if in.Name != "" && !reInterceptorName.MatchString(in.Name) {
			c.errorf(child(p, "Name"), "must be letters, digits, '.', '_' and '-', not starting with '.' or '_', got %q", in.Name)
		}
		c.required(p, "Listen", in.Listen)
		if in.Listen != "" {
			if _, _, err := net.SplitHostPort(in.Listen); err != nil {
				c.errorf(child(p, "Listen"), "must be host:port, got %q", in.Listen)
			}
			c.unique(listens, in.Listen, child(p, "Listen"), p, "listen address "+quoted(in.Listen))
		}
		c.required(p, "Upstream", in.Upstream)
		if u, err := url.Parse(in.Upstream); in.Upstream != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			c.errorf(child(p, "Upstream"), "must be an http:// or https:// URL, got %q", in.Upstream)
		}
		c.oneOf(child(p, "Mode"), in.Mode, "http", "aws")
		if in.Mode != "aws" && in.EventSource == "" {
			c.errorf(p, "needs EventSource (such as orders.example.com) in http mode")
		}
		if strings.HasPrefix(in.Source, "aws.") {
			c.errorf(child(p, "Source"), "aws.* sources are AWS's own; leave Source empty in aws mode to get them")
		}
		if in.OpenAPI != "" && len(in.Routes) > 0 {
			c.errorf(p, "has both OpenAPI and Routes, give one")
		}
		for j, r := range in.Routes {
			rp := index(child(p, "Routes"), j)
			c.required(rp, "Method", r.Method)
			c.required(rp, "Path", r.Path)
			c.required(rp, "EventName", r.EventName)
			if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
				c.errorf(child(rp, "Path"), "must start with /, got %q", r.Path)
			}
		}
		for j, tp := range in.TrustedProxies {
			if _, err := netip.ParsePrefix(tp); err != nil {
				if _, err := netip.ParseAddr(tp); err != nil {
					c.errorf(index(child(p, "TrustedProxies"), j), "must be a CIDR or an IP address, got %q", tp)
				}
			}
		}
		if in.MaxBodyBytes < 0 {
			c.errorf(child(p, "MaxBodyBytes"), "must not be negative, got %d", in.MaxBodyBytes)
		}
		if t := in.TLS; t != nil {
			tp := child(p, "TLS")
			c.required(tp, "CertFile", t.CertFile)
			c.required(tp, "KeyFile", t.KeyFile)
			if t.RequireClientCertificate && t.ClientCAFile == "" {
				c.errorf(tp, "RequireClientCertificate needs ClientCAFile")
			}
		}
		ip := child(p, "Identity")
		keys := map[string]string{}
		for j, k := range in.Identity.AccessKeys {
			kp := index(child(ip, "AccessKeys"), j)
			c.required(kp, "AccessKeyId", k.AccessKeyId)
			c.required(kp, "SecretAccessKey", k.SecretAccessKey)
			c.unique(keys, k.AccessKeyId, child(kp, "AccessKeyId"), kp, "access key "+quoted(k.AccessKeyId))
			c.oneOf(child(kp, "Type"), k.Type, "IAMUser", "AssumedRole")
			if k.Type == "AssumedRole" {
				c.required(kp, "RoleName", k.RoleName)
			}
		}
		if j := in.Identity.Jwt; j != nil {
			jp := child(ip, "Jwt")
			n := 0
			for _, s := range []string{j.Secret, j.PublicKeyFile, j.JwksUrl} {
				if s != "" {
					n++
				}
			}
			if n != 1 {
				c.errorf(jp, "needs exactly one of Secret, PublicKeyFile and JwksUrl")
			}
			c.httpURL(child(jp, "JwksUrl"), j.JwksUrl)
		}
		for j, u := range in.Identity.BasicUsers {
			bp := index(child(ip, "BasicUsers"), j)
			c.required(bp, "UserName", u.UserName)
			c.required(bp, "Password", u.Password)
		}
	}
}

func (c *checker) audit(a Audit) {
	if a.ComplianceMaxRecords < 0 {
		c.errorf("Audit.ComplianceMaxRecords", "must not be negative, got %d", a.ComplianceMaxRecords)
	}
	if a.ComplianceMaxAge < 0 {
		c.errorf("Audit.ComplianceMaxAge", "must not be negative, got %v", a.ComplianceMaxAge)
	}
}

func (c *checker) k8sAudit(k *K8sAudit) {
	if k == nil {
		return
	}
	if len(k.Tokens) == 0 && len(k.ClientCertSubjects) == 0 {
		c.errorf("K8sAudit", "needs Tokens or ClientCertSubjects: the webhook never accepts anonymous calls")
	}
	for i, t := range k.Tokens {
		if len(t) < 16 {
			c.errorf(index("K8sAudit.Tokens", i), "is too short to be a secret (at least 16 characters)")
		}
	}
}
