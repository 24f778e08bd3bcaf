package awsapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/natsjs"
	"github.com/trailbridge/trailbridge/secret"
	"github.com/trailbridge/trailbridge/sigv4"
	"github.com/trailbridge/trailbridge/target/apidest"
)

// connServer is startServer's server with connections and API
// destinations served, its secrets sealed by a key kept in the data folder,
// and every answer's body recorded.
type connServer struct {
	t      *testing.T
	dir    string
	engine *natsjs.Engine
	config *natsjs.Config
	http   *httptest.Server
	client *eb.Client
	conns  *Connections
	cancel context.CancelFunc

	mu      sync.Mutex
	answers []string
}

func startConnServer(t *testing.T) *connServer {
	t.Helper()
	s := &connServer{t: t, dir: t.TempDir()}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *connServer) start() {
	t := s.t
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	e, err := natsjs.Open(ctx, natsjs.Options{DataDir: s.dir})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := e.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key, err := secret.LoadOrCreateKey(filepath.Join(s.dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	s.engine, s.config = e, cfg
	ebr := &EventBridge{Store: cfg, Resources: cfg, Events: e, Place: testPlace}
	s.conns = &Connections{EB: ebr, Secrets: box}
	api := &Server{
		EventBridge: ebr,
		Connections: s.conns,
		Verifier: &sigv4.Verifier{Service: "events", Region: testPlace.Region, Lookup: func(id string) (string, bool) {
			return testSecret, id == testKeyID
		}},
	}
	h := api.Handler()
	s.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &teeWriter{ResponseWriter: w}
		h.ServeHTTP(tw, r)
		s.mu.Lock()
		s.answers = append(s.answers, tw.buf.String())
		s.mu.Unlock()
	}))
	s.client = newClient(s.http.URL, testKeyID, testSecret)
}

func (s *connServer) stop() {
	if s.http == nil {
		return
	}
	s.http.Close()
	s.cancel()
	s.engine.Close()
	s.http = nil
}

func (s *connServer) restart() {
	s.stop()
	s.start()
}

// answered returns every answer body so far.
func (s *connServer) answered() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.answers, "\n")
}

type teeWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

var (
	reConnectionARN = regexp.MustCompile(`^arn:aws:events:us-east-1:123456789012:connection/[\w.-]+/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	reSecretARN     = regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:123456789012:secret:events!connection/[\w.-]+/[0-9a-f-]{36}-[A-Za-z0-9]{6}$`)
)

// Secret values used in the tests: none may appear in any answer.
const (
	testPassword     = "pa55-SECRET-basic"
	testAPIKeyValue  = "k3y-SECRET-apikey"
	testClientSecret = "cl1ent-SECRET-oauth"
	testParamSecret  = "param-SECRET-header"
	testQuerySecret  = "param-SECRET-query"
	testBodySecret   = "param-SECRET-body"
	testOAuthSecret  = "param-SECRET-oauthbody"
)

var allTestSecrets = []string{testPassword, testAPIKeyValue, testClientSecret, testParamSecret, testQuerySecret, testBodySecret, testOAuthSecret}

func invocationParams() *types.ConnectionHttpParameters {
	return &types.ConnectionHttpParameters{
		HeaderParameters: []types.ConnectionHeaderParameter{
			{Key: aws.String("X-Source"), Value: aws.String("trailbridge")},
			{Key: aws.String("X-Token"), Value: aws.String(testParamSecret), IsValueSecret: true},
		},
		QueryStringParameters: []types.ConnectionQueryStringParameter{{Key: aws.String("token"), Value: aws.String(testQuerySecret), IsValueSecret: true}},
		BodyParameters:        []types.ConnectionBodyParameter{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("sig"), Value: aws.String(testBodySecret), IsValueSecret: true}},
	}
}

func basicConnection(name string) *eb.CreateConnectionInput {
	return &eb.CreateConnectionInput{
		Name:              aws.String(name),
		Description:       aws.String("shop webhooks"),
		AuthorizationType: types.ConnectionAuthorizationTypeBasic,
		AuthParameters: &types.CreateConnectionAuthRequestParameters{
			BasicAuthParameters:      &types.CreateConnectionBasicAuthRequestParameters{Username: aws.String("alice"), Password: aws.String(testPassword)},
			InvocationHttpParameters: invocationParams(),
		},
	}
}

func apiKeyConnection(name string) *eb.CreateConnectionInput {
	return &eb.CreateConnectionInput{
		Name:              aws.String(name),
		AuthorizationType: types.ConnectionAuthorizationTypeApiKey,
		AuthParameters: &types.CreateConnectionAuthRequestParameters{
			ApiKeyAuthParameters: &types.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("X-Api-Key"), ApiKeyValue: aws.String(testAPIKeyValue)},
		},
	}
}

func oauthConnection(name, endpoint string) *eb.CreateConnectionInput {
	return &eb.CreateConnectionInput{
		Name:              aws.String(name),
		AuthorizationType: types.ConnectionAuthorizationTypeOauthClientCredentials,
		AuthParameters: &types.CreateConnectionAuthRequestParameters{
			OAuthParameters: &types.CreateConnectionOAuthRequestParameters{
				AuthorizationEndpoint: aws.String(endpoint),
				HttpMethod:            types.ConnectionOAuthHttpMethodPost,
				ClientParameters:      &types.CreateConnectionOAuthClientRequestParameters{ClientID: aws.String("client-1"), ClientSecret: aws.String(testClientSecret)},
				OAuthHttpParameters: &types.ConnectionHttpParameters{BodyParameters: []types.ConnectionBodyParameter{
					{Key: aws.String("grant_type"), Value: aws.String("client_credentials")},
					{Key: aws.String("audience"), Value: aws.String(testOAuthSecret), IsValueSecret: true},
				}},
			},
		},
	}
}

func TestCreateAndDescribeConnections(t *testing.T) {
	s := startConnServer(t)
	ctx, c := t.Context(), s.client
	for _, tc := range []struct {
		name  string
		in    *eb.CreateConnectionInput
		state types.ConnectionState
		check func(t *testing.T, d *eb.DescribeConnectionOutput)
	}{
		{"basic", basicConnection("basic"), types.ConnectionStateAuthorized, func(t *testing.T, d *eb.DescribeConnectionOutput) {
			if got := aws.ToString(d.AuthParameters.BasicAuthParameters.Username); got != "alice" {
				t.Errorf("Username = %q", got)
			}
			ip := d.AuthParameters.InvocationHttpParameters
			if ip == nil || len(ip.HeaderParameters) != 2 || len(ip.QueryStringParameters) != 1 || len(ip.BodyParameters) != 2 {
				t.Fatalf("InvocationHttpParameters = %+v", ip)
			}
			if h := ip.HeaderParameters[0]; aws.ToString(h.Key) != "X-Source" || aws.ToString(h.Value) != "trailbridge" || h.IsValueSecret {
				t.Errorf("plain header = %+v", h)
			}
			if h := ip.HeaderParameters[1]; aws.ToString(h.Key) != "X-Token" || h.Value != nil || !h.IsValueSecret {
				t.Errorf("secret header = %+v, want its value left out", h)
			}
			if aws.ToString(d.Description) != "shop webhooks" {
				t.Errorf("Description = %v", d.Description)
			}
		}},
		{"api-key", apiKeyConnection("api-key"), types.ConnectionStateAuthorized, func(t *testing.T, d *eb.DescribeConnectionOutput) {
			if got := aws.ToString(d.AuthParameters.ApiKeyAuthParameters.ApiKeyName); got != "X-Api-Key" {
				t.Errorf("ApiKeyName = %q", got)
			}
			if d.AuthParameters.InvocationHttpParameters != nil {
				t.Errorf("InvocationHttpParameters = %+v, want none", d.AuthParameters.InvocationHttpParameters)
			}
		}},
		{"oauth", oauthConnection("oauth", "https://auth.example.com/token"), types.ConnectionStateAuthorizing, func(t *testing.T, d *eb.DescribeConnectionOutput) {
			o := d.AuthParameters.OAuthParameters
			if aws.ToString(o.ClientParameters.ClientID) != "client-1" || aws.ToString(o.AuthorizationEndpoint) != "https://auth.example.com/token" || o.HttpMethod != types.ConnectionOAuthHttpMethodPost {
				t.Errorf("OAuthParameters = %+v", o)
			}
			if b := o.OAuthHttpParameters.BodyParameters; len(b) != 2 || aws.ToString(b[0].Value) != "client_credentials" || b[1].Value != nil {
				t.Errorf("OAuthHttpParameters = %+v", b)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := must(c.CreateConnection(ctx, tc.in))
			if out.ConnectionState != tc.state {
				t.Errorf("ConnectionState = %s, want %s", out.ConnectionState, tc.state)
			}
			if arn := aws.ToString(out.ConnectionArn); !reConnectionARN.MatchString(arn) || !strings.Contains(arn, ":connection/"+tc.name+"/") {
				t.Errorf("ConnectionArn = %s", arn)
			}
			if out.CreationTime == nil || out.LastModifiedTime == nil {
				t.Errorf("times = %v, %v", out.CreationTime, out.LastModifiedTime)
			}
			d := must(c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String(tc.name)}))
			if aws.ToString(d.ConnectionArn) != aws.ToString(out.ConnectionArn) || aws.ToString(d.Name) != tc.name || d.ConnectionState != tc.state ||
				d.AuthorizationType != tc.in.AuthorizationType {
				t.Errorf("DescribeConnection = %+v", d)
			}
			if !reSecretARN.MatchString(aws.ToString(d.SecretArn)) || !strings.Contains(aws.ToString(d.SecretArn), "events!connection/"+tc.name+"/") {
				t.Errorf("SecretArn = %s", aws.ToString(d.SecretArn))
			}
			// AWS shows LastAuthorizedTime for an AUTHORIZING connection too.
			if d.LastAuthorizedTime == nil {
				t.Errorf("LastAuthorizedTime = nil in state %s", tc.state)
			}
			tc.check(t, d)
		})
	}
	for _, secret := range allTestSecrets {
		if strings.Contains(s.answered(), secret) {
			t.Errorf("an answer holds the secret %q", secret)
		}
	}
}

func TestConnectionErrors(t *testing.T) {
	s := startConnServer(t)
	ctx, c := t.Context(), s.client
	must(c.CreateConnection(ctx, basicConnection("taken")))
	for _, tc := range []struct {
		name, code, msg string
		call            func() error
	}{
		{"duplicate", "ResourceAlreadyExistsException", "Connection taken already exists.", func() error {
			_, err := c.CreateConnection(ctx, basicConnection("taken"))
			return err
		}},
		{"describe missing", "ResourceNotFoundException", "Failed to describe the connection(s). Connection 'nope' does not exist.", func() error {
			_, err := c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String("nope")})
			return err
		}},
		{"update missing", "ResourceNotFoundException", "Failed to describe the connection(s). Connection 'nope' does not exist.", func() error {
			_, err := c.UpdateConnection(ctx, &eb.UpdateConnectionInput{Name: aws.String("nope"), Description: aws.String("x")})
			return err
		}},
		{"delete missing", "ResourceNotFoundException", "Failed to describe the connection(s). Connection 'nope' does not exist.", func() error {
			_, err := c.DeleteConnection(ctx, &eb.DeleteConnectionInput{Name: aws.String("nope")})
			return err
		}},
		{"deauthorize missing", "ResourceNotFoundException", "Failed to describe the connection(s). Connection 'nope' does not exist.", func() error {
			_, err := c.DeauthorizeConnection(ctx, &eb.DeauthorizeConnectionInput{Name: aws.String("nope")})
			return err
		}},
		{"bad name", "ValidationException", `1 validation error detected: Value 'Invalid Name With Spaces!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`, func() error {
			_, err := c.CreateConnection(ctx, basicConnection("Invalid Name With Spaces!"))
			return err
		}},
		{"bad authorization type", "ValidationException", "1 validation error detected: Value 'INVALID_AUTH_TYPE' at 'authorizationType' failed to satisfy constraint: Member must satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]", func() error {
			in := basicConnection("x")
			in.AuthorizationType = "INVALID_AUTH_TYPE"
			_, err := c.CreateConnection(ctx, in)
			return err
		}},
		{"secret values are never quoted", "ValidationException", `2 validation errors detected: Value 'bad:name' at 'authParameters.basicAuthParameters.username' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[ \t]*[^\x00-\x1F:\x7F]+([ \t]+[^\x00-\x1F:\x7F]+)*[ \t]*$; Value at 'authParameters.basicAuthParameters.password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[ \t]*[^\x00-\x1F:\x7F]+([ \t]+[^\x00-\x1F:\x7F]+)*[ \t]*$`, func() error {
			in := basicConnection("x")
			in.AuthParameters.BasicAuthParameters = &types.CreateConnectionBasicAuthRequestParameters{Username: aws.String("bad:name"), Password: aws.String("has:colon-" + testPassword)}
			_, err := c.CreateConnection(ctx, in)
			return err
		}},
		{"missing block", "ValidationException", "Parameter(s) ApiKeyAuthParameters.ApiKeyName, ApiKeyAuthParameters.ApiKeyValue must be specified for authorization type API_KEY.", func() error {
			in := basicConnection("x")
			in.AuthorizationType = types.ConnectionAuthorizationTypeApiKey
			in.AuthParameters.BasicAuthParameters = nil
			_, err := c.CreateConnection(ctx, in)
			return err
		}},
		{"block of another type", "ValidationException", "Parameter(s) BasicAuthParameters cannot be specified for authorization type API_KEY.", func() error {
			in := basicConnection("x")
			in.AuthorizationType = types.ConnectionAuthorizationTypeApiKey
			_, err := c.CreateConnection(ctx, in)
			return err
		}},
		{"bad authorization endpoint", "ValidationException", "Parameter AuthorizationEndpoint is not valid. Reason: AuthorizationEndpoint must be an https:// (or, in trailbridge, http://) URL with a host.", func() error {
			_, err := c.CreateConnection(ctx, oauthConnection("x", "ftp://auth.example.com/token"))
			return err
		}},
		{"private connectivity", "NotImplementedException", "trailbridge does not support connections to private resources (ConnectivityParameters): it reaches endpoints directly.", func() error {
			in := basicConnection("x")
			in.InvocationConnectivityParameters = &types.ConnectivityResourceParameters{ResourceParameters: &types.ConnectivityResourceConfigurationArn{ResourceConfigurationArn: aws.String("arn:aws:vpc-lattice:us-east-1:123456789012:resourceconfiguration/rcfg-1")}}
			_, err := c.CreateConnection(ctx, in)
			return err
		}},
		{"bad list state", "ValidationException", "1 validation error detected: Value 'SLEEPING' at 'connectionState' failed to satisfy constraint: Member must satisfy enum value set: [CREATING, UPDATING, DELETING, AUTHORIZED, DEAUTHORIZED, AUTHORIZING, DEAUTHORIZING, ACTIVE, FAILED_CONNECTIVITY]", func() error {
			_, err := c.ListConnections(ctx, &eb.ListConnectionsInput{ConnectionState: "SLEEPING"})
			return err
		}},
		{"bad list token", "ValidationException", "The NextToken provided is invalid.", func() error {
			_, err := c.ListConnections(ctx, &eb.ListConnectionsInput{NextToken: aws.String("garbage!")})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, tc.call(), tc.code, tc.msg) })
	}
	if strings.Contains(s.answered(), testPassword) {
		t.Error("an error answer holds the password")
	}
	t.Run("missing members", func(t *testing.T) {
		// The SDK refuses to send this request, so the method is called
		// directly.
		_, err := s.conns.CreateConnection(ctx, &CreateConnectionInput{Name: aws.String("x")})
		var e *tb.Error
		want := "2 validation errors detected: Value null at 'authorizationType' failed to satisfy constraint: Member must not be null; Value null at 'authParameters' failed to satisfy constraint: Member must not be null"
		if !errors.As(err, &e) || e.Code != "ValidationException" || e.Message != want {
			t.Errorf("CreateConnection = %v, want %s", err, want)
		}
	})
}

func TestListConnections(t *testing.T) {
	s := startConnServer(t)
	ctx, c := t.Context(), s.client
	for i := range 5 {
		must(c.CreateConnection(ctx, basicConnection(fmt.Sprintf("page-%d", i))))
	}
	must(c.CreateConnection(ctx, oauthConnection("other", "https://auth.example.com/token")))
	must(c.DeauthorizeConnection(ctx, &eb.DeauthorizeConnectionInput{Name: aws.String("page-3")}))

	list := func(in *eb.ListConnectionsInput) []string {
		t.Helper()
		var names []string
		for pages := 0; ; pages++ {
			out := must(c.ListConnections(ctx, in))
			for _, x := range out.Connections {
				names = append(names, aws.ToString(x.Name))
			}
			if in.NextToken = out.NextToken; in.NextToken == nil {
				return names
			}
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
		}
	}
	for _, tc := range []struct {
		name string
		in   *eb.ListConnectionsInput
		want []string
	}{
		{"all", &eb.ListConnectionsInput{}, []string{"other", "page-0", "page-1", "page-2", "page-3", "page-4"}},
		{"by prefix in pages of 2", &eb.ListConnectionsInput{NamePrefix: aws.String("page-"), Limit: aws.Int32(2)}, []string{"page-0", "page-1", "page-2", "page-3", "page-4"}},
		{"by state", &eb.ListConnectionsInput{ConnectionState: types.ConnectionStateAuthorized}, []string{"page-0", "page-1", "page-2", "page-4"}},
		{"deauthorized", &eb.ListConnectionsInput{ConnectionState: types.ConnectionStateDeauthorized}, []string{"page-3"}},
		{"authorizing", &eb.ListConnectionsInput{ConnectionState: types.ConnectionStateAuthorizing}, []string{"other"}},
		{"none", &eb.ListConnectionsInput{NamePrefix: aws.String("zzz")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := list(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("listed %v, want %v", got, tc.want)
			}
		})
	}
	out := must(c.ListConnections(ctx, &eb.ListConnectionsInput{NamePrefix: aws.String("page-0")}))
	if x := out.Connections[0]; x.AuthorizationType != types.ConnectionAuthorizationTypeBasic || x.ConnectionState != types.ConnectionStateAuthorized ||
		!reConnectionARN.MatchString(aws.ToString(x.ConnectionArn)) || x.CreationTime == nil || x.LastAuthorizedTime == nil {
		t.Errorf("item = %+v", x)
	}
	if d := must(c.ListConnections(ctx, &eb.ListConnectionsInput{ConnectionState: types.ConnectionStateDeauthorized})); aws.ToString(d.Connections[0].StateReason) == "" {
		t.Errorf("a deauthorized connection has no StateReason: %+v", d.Connections[0])
	}
	_, err := c.ListConnections(ctx, &eb.ListConnectionsInput{Limit: aws.Int32(101)})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
}

func TestUpdateConnection(t *testing.T) {
	s := startConnServer(t)
	ctx, c := t.Context(), s.client
	created := must(c.CreateConnection(ctx, basicConnection("hook")))
	dest := must(c.CreateApiDestination(ctx, &eb.CreateApiDestinationInput{Name: aws.String("d"), ConnectionArn: created.ConnectionArn,
		InvocationEndpoint: aws.String("https://example.com/hook"), HttpMethod: types.ApiDestinationHttpMethodPost}))
	_ = dest
	resolve := func() *apidest.Connection {
		t.Helper()
		d, err := s.conns.Destination(ctx, "d")
		if err != nil || d.Connection == nil {
			t.Fatalf("Destination = %+v, %v", d, err)
		}
		return d.Connection
	}

	t.Run("a new password keeps the user name", func(t *testing.T) {
		out := must(c.UpdateConnection(ctx, &eb.UpdateConnectionInput{Name: aws.String("hook"),
			AuthParameters: &types.UpdateConnectionAuthRequestParameters{BasicAuthParameters: &types.UpdateConnectionBasicAuthRequestParameters{Password: aws.String("new-" + testPassword)}}}))
		if out.ConnectionState != types.ConnectionStateAuthorized || aws.ToString(out.ConnectionArn) != aws.ToString(created.ConnectionArn) || out.LastAuthorizedTime == nil {
			t.Errorf("UpdateConnection = %+v", out)
		}
		if a := resolve().Auth; a.Username != "alice" || a.Password != "new-"+testPassword {
			t.Errorf("resolved user %q, password changed: %v", a.Username, a.Password == "new-"+testPassword)
		}
		if ip := resolve().Invocation; len(ip.Headers) != 2 || ip.Headers[1].Value != testParamSecret {
			t.Errorf("invocation parameters were lost: %v", ip)
		}
	})
	t.Run("description alone", func(t *testing.T) {
		must(c.UpdateConnection(ctx, &eb.UpdateConnectionInput{Name: aws.String("hook"), Description: aws.String("new words")}))
		d := must(c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String("hook")}))
		if aws.ToString(d.Description) != "new words" || aws.ToString(d.AuthParameters.BasicAuthParameters.Username) != "alice" {
			t.Errorf("DescribeConnection = %+v", d)
		}
	})
	t.Run("invocation parameters are replaced whole", func(t *testing.T) {
		must(c.UpdateConnection(ctx, &eb.UpdateConnectionInput{Name: aws.String("hook"), AuthParameters: &types.UpdateConnectionAuthRequestParameters{
			InvocationHttpParameters: &types.ConnectionHttpParameters{HeaderParameters: []types.ConnectionHeaderParameter{{Key: aws.String("X-Only"), Value: aws.String("1")}}}}}))
		if ip := resolve().Invocation; len(ip.Headers) != 1 || ip.Headers[0].Key != "X-Only" || len(ip.Query) != 0 || len(ip.Body) != 0 {
			t.Errorf("invocation parameters = %v", ip)
		}
	})
	t.Run("another type needs its whole block", func(t *testing.T) {
		_, err := c.UpdateConnection(ctx, &eb.UpdateConnectionInput{Name: aws.String("hook"), AuthorizationType: types.ConnectionAuthorizationTypeApiKey})
		wantAPIError(t, err, "ValidationException", "Parameter(s) ApiKeyAuthParameters.ApiKeyName, ApiKeyAuthParameters.ApiKeyValue must be specified for authorization type API_KEY.")
		_, err = c.UpdateConnection(ctx, &eb.UpdateConnectionInput{Name: aws.String("hook"), AuthParameters: &types.UpdateConnectionAuthRequestParameters{
			ApiKeyAuthParameters: &types.UpdateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("k"), ApiKeyValue: aws.String("v")}}})
		wantAPIError(t, err, "ValidationException", "Parameter(s) ApiKeyAuthParameters cannot be specified for authorization type BASIC.")
		out := must(c.UpdateConnection(ctx, &eb.UpdateConnectionInput{Name: aws.String("hook"), AuthorizationType: types.ConnectionAuthorizationTypeApiKey,
			AuthParameters: &types.UpdateConnectionAuthRequestParameters{ApiKeyAuthParameters: &types.UpdateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("X-Key"), ApiKeyValue: aws.String(testAPIKeyValue)}}}))
		if out.ConnectionState != types.ConnectionStateAuthorized {
			t.Errorf("state = %s", out.ConnectionState)
		}
		d := must(c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String("hook")}))
		if d.AuthorizationType != types.ConnectionAuthorizationTypeApiKey || d.AuthParameters.BasicAuthParameters != nil || aws.ToString(d.AuthParameters.ApiKeyAuthParameters.ApiKeyName) != "X-Key" {
			t.Errorf("DescribeConnection = %+v", d.AuthParameters)
		}
		if a := resolve().Auth; a.Type != apidest.AuthAPIKey || a.APIKeyValue != testAPIKeyValue || a.Password != "" {
			t.Errorf("resolved auth type %s", a.Type)
		}
	})
	t.Run("OAuth credentials are authorizing until a token", func(t *testing.T) {
		o := oauthConnection("hook", "https://auth.example.com/token").AuthParameters.OAuthParameters
		out := must(c.UpdateConnection(ctx, &eb.UpdateConnectionInput{Name: aws.String("hook"), AuthorizationType: types.ConnectionAuthorizationTypeOauthClientCredentials,
			AuthParameters: &types.UpdateConnectionAuthRequestParameters{OAuthParameters: &types.UpdateConnectionOAuthRequestParameters{
				AuthorizationEndpoint: o.AuthorizationEndpoint, HttpMethod: o.HttpMethod, OAuthHttpParameters: o.OAuthHttpParameters,
				ClientParameters: &types.UpdateConnectionOAuthClientRequestParameters{ClientID: aws.String("id"), ClientSecret: aws.String(testClientSecret)}}}}))
		if out.ConnectionState != types.ConnectionStateAuthorizing {
			t.Errorf("state = %s, want AUTHORIZING", out.ConnectionState)
		}
		if d := must(c.DescribeApiDestination(ctx, &eb.DescribeApiDestinationInput{Name: aws.String("d")})); d.ApiDestinationState != types.ApiDestinationStateInactive {
			t.Errorf("destination of an authorizing connection is %s, want INACTIVE", d.ApiDestinationState)
		}
		s.conns.Authorized(ctx, "hook", errors.New("the authorization endpoint answered 503"))
		d := must(c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String("hook")}))
		if d.ConnectionState != types.ConnectionStateAuthorizing || aws.ToString(d.StateReason) != "the authorization endpoint answered 503" {
			t.Errorf("after a failed token: %s, %q", d.ConnectionState, aws.ToString(d.StateReason))
		}
		s.conns.Authorized(ctx, "hook", nil)
		d = must(c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String("hook")}))
		if d.ConnectionState != types.ConnectionStateAuthorized || d.StateReason != nil || d.LastAuthorizedTime == nil {
			t.Errorf("after a token: %s, %q, %v", d.ConnectionState, aws.ToString(d.StateReason), d.LastAuthorizedTime)
		}
		if d := must(c.DescribeApiDestination(ctx, &eb.DescribeApiDestinationInput{Name: aws.String("d")})); d.ApiDestinationState != types.ApiDestinationStateActive {
			t.Errorf("destination is %s, want ACTIVE", d.ApiDestinationState)
		}
	})
	for _, secret := range allTestSecrets {
		if strings.Contains(s.answered(), secret) {
			t.Errorf("an answer holds the secret %q", secret)
		}
	}
}

func TestDeauthorizeAndDeleteConnection(t *testing.T) {
	s := startConnServer(t)
	ctx, c := t.Context(), s.client
	created := must(c.CreateConnection(ctx, basicConnection("hook")))
	must(c.CreateApiDestination(ctx, &eb.CreateApiDestinationInput{Name: aws.String("d"), ConnectionArn: created.ConnectionArn,
		InvocationEndpoint: aws.String("https://example.com/hook"), HttpMethod: types.ApiDestinationHttpMethodPost}))
	destState := func() types.ApiDestinationState {
		t.Helper()
		return must(c.DescribeApiDestination(ctx, &eb.DescribeApiDestinationInput{Name: aws.String("d")})).ApiDestinationState
	}
	if st := destState(); st != types.ApiDestinationStateActive {
		t.Fatalf("destination is %s, want ACTIVE", st)
	}

	out := must(c.DeauthorizeConnection(ctx, &eb.DeauthorizeConnectionInput{Name: aws.String("hook")}))
	if out.ConnectionState != types.ConnectionStateDeauthorizing || aws.ToString(out.ConnectionArn) != aws.ToString(created.ConnectionArn) {
		t.Errorf("DeauthorizeConnection = %+v", out)
	}
	d := must(c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String("hook")}))
	if d.ConnectionState != types.ConnectionStateDeauthorized || d.AuthParameters != nil || d.SecretArn != nil || d.StateReason == nil ||
		d.AuthorizationType != types.ConnectionAuthorizationTypeBasic {
		t.Errorf("deauthorized connection = %+v", d)
	}
	if st := destState(); st != types.ApiDestinationStateInactive {
		t.Errorf("destination of a deauthorized connection is %s, want INACTIVE", st)
	}
	if raw := string(s.config.Resource("connection", "hook")); strings.Contains(raw, "Sealed") {
		t.Errorf("sealed secrets outlive DeauthorizeConnection: %s", raw)
	}
	_, err := c.UpdateConnection(ctx, &eb.UpdateConnectionInput{Name: aws.String("hook"), AuthParameters: &types.UpdateConnectionAuthRequestParameters{
		BasicAuthParameters: &types.UpdateConnectionBasicAuthRequestParameters{Password: aws.String("x-" + testPassword)}}})
	wantAPIError(t, err, "ValidationException", "Parameter(s) BasicAuthParameters.Username must be specified for authorization type BASIC.")
	up := must(c.UpdateConnection(ctx, &eb.UpdateConnectionInput{Name: aws.String("hook"), AuthParameters: &types.UpdateConnectionAuthRequestParameters{
		BasicAuthParameters: &types.UpdateConnectionBasicAuthRequestParameters{Username: aws.String("bob"), Password: aws.String(testPassword)}}}))
	if up.ConnectionState != types.ConnectionStateAuthorized || destState() != types.ApiDestinationStateActive {
		t.Errorf("authorized again: %s, destination %s", up.ConnectionState, destState())
	}
	if d := must(c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String("hook")})); !reSecretARN.MatchString(aws.ToString(d.SecretArn)) {
		t.Errorf("SecretArn after authorizing again = %v", d.SecretArn)
	}

	del := must(c.DeleteConnection(ctx, &eb.DeleteConnectionInput{Name: aws.String("hook")}))
	if del.ConnectionState != types.ConnectionStateDeleting || aws.ToString(del.ConnectionArn) != aws.ToString(created.ConnectionArn) || del.CreationTime == nil {
		t.Errorf("DeleteConnection = %+v", del)
	}
	_, err = c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String("hook")})
	wantAPIError(t, err, "ResourceNotFoundException", "Failed to describe the connection(s). Connection 'hook' does not exist.")
	// The destination stays, INACTIVE, and resolves without a connection.
	if st := destState(); st != types.ApiDestinationStateInactive {
		t.Errorf("destination of a deleted connection is %s, want INACTIVE", st)
	}
	// A new connection of the same name is not the old one.
	must(c.CreateConnection(ctx, basicConnection("hook")))
	if dd, err := s.conns.Destination(ctx, "d"); err != nil || dd.Connection != nil {
		t.Errorf("Destination after the connection was replaced = %+v, %v; want no connection", dd, err)
	}
}

func TestConnectionSecretsAtRest(t *testing.T) {
	s := startConnServer(t)
	ctx, c := t.Context(), s.client
	for _, in := range []*eb.CreateConnectionInput{basicConnection("basic"), apiKeyConnection("key"), oauthConnection("oauth", "https://auth.example.com/token")} {
		conn := must(c.CreateConnection(ctx, in))
		must(c.CreateApiDestination(ctx, &eb.CreateApiDestinationInput{Name: in.Name, ConnectionArn: conn.ConnectionArn,
			InvocationEndpoint: aws.String("http://service.internal:8080/hook"), HttpMethod: types.ApiDestinationHttpMethodPost}))
	}
	// Every read the API offers.
	must(c.ListConnections(ctx, &eb.ListConnectionsInput{}))
	must(c.ListApiDestinations(ctx, &eb.ListApiDestinationsInput{}))
	for _, n := range []string{"basic", "key", "oauth"} {
		must(c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String(n)}))
		must(c.DescribeApiDestination(ctx, &eb.DescribeApiDestinationInput{Name: aws.String(n)}))
	}
	stored := ""
	for _, n := range []string{"basic", "key", "oauth"} {
		stored += string(s.config.Resource("connection", n))
	}
	for _, secret := range allTestSecrets {
		if strings.Contains(s.answered(), secret) {
			t.Errorf("an answer holds the secret %q", secret)
		}
		if strings.Contains(stored, secret) {
			t.Errorf("the stored connections hold %q in plain text", secret)
		}
	}
	if !strings.Contains(stored, `"SealedPassword":"tb1.`) {
		t.Errorf("stored connection has no sealed password: %s", stored)
	}

	s.restart()
	c = s.client
	// The key came back from the data folder: the secrets open.
	want := map[string]func(a apidest.Auth, ip apidest.Params) bool{
		"basic": func(a apidest.Auth, ip apidest.Params) bool {
			return a.Password == testPassword && ip.Headers[1].Value == testParamSecret && ip.Query[0].Value == testQuerySecret && ip.Body[1].Value == testBodySecret
		},
		"key": func(a apidest.Auth, _ apidest.Params) bool { return a.APIKeyValue == testAPIKeyValue },
		"oauth": func(a apidest.Auth, _ apidest.Params) bool {
			return a.OAuth.ClientSecret == testClientSecret && a.OAuth.Params.Body[1].Value == testOAuthSecret
		},
	}
	for n, ok := range want {
		d, err := s.conns.Destination(ctx, n)
		if err != nil || d.Connection == nil || !ok(d.Connection.Auth, d.Connection.Invocation) {
			t.Errorf("%s after restart: %+v, %v", n, d, err)
		}
		if d.Endpoint != "http://service.internal:8080/hook" || d.RateLimit != 300 || d.Method != "POST" {
			t.Errorf("%s after restart: %+v", n, d)
		}
	}
	if d := must(c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String("basic")})); aws.ToString(d.AuthParameters.BasicAuthParameters.Username) != "alice" {
		t.Errorf("basic after restart: %+v", d)
	}
	if _, err := s.conns.Destination(ctx, "nope"); !errors.Is(err, apidest.ErrNotFound) {
		t.Errorf("Destination(nope) = %v, want ErrNotFound", err)
	}
}

func TestConnectionsNotImplementedWithoutConnections(t *testing.T) {
	s := startServer(t)
	_, err := s.client.CreateConnection(t.Context(), basicConnection("x"))
	wantAPIError(t, err, "NotImplementedException", "trailbridge does not implement AWSEvents.CreateConnection yet.")
	_, err = s.client.ListApiDestinations(t.Context(), &eb.ListApiDestinationsInput{})
	wantAPIError(t, err, "NotImplementedException", "trailbridge does not implement AWSEvents.ListApiDestinations yet.")
}

func FuzzConnectionARNAndEndpoint(f *testing.F) {
	c := &Connections{EB: &EventBridge{Place: testPlace}}
	for _, s := range []string{c.connectionARN("hook", newID()), "arn:aws:events:us-east-1:123456789012:connection//", "https://example.com/x", "http://h", "https://", "x://y/z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if name, uuid, ok := c.parseConnectionARN(s); ok && c.connectionARN(name, uuid) != s {
			t.Fatalf("parseConnectionARN(%q) = %q, %q: does not round-trip", s, name, uuid)
		}
		if checkEndpoint("InvocationEndpoint", s) == nil && !strings.HasPrefix(strings.ToLower(s), "http") {
			t.Fatalf("checkEndpoint accepted %q", s)
		}
	})
}
