package awsapi

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/internal/check"
	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/target/apidest"
)

var reDestinationARN = regexp.MustCompile(`^arn:aws:events:us-east-1:123456789012:api-destination/[\w.-]+/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func newDestination(name string, conn *string) *eb.CreateApiDestinationInput {
	return &eb.CreateApiDestinationInput{Name: aws.String(name), ConnectionArn: conn, Description: aws.String("orders to the shop"),
		InvocationEndpoint: aws.String("https://example.com/api"), HttpMethod: types.ApiDestinationHttpMethodPost}
}

func TestApiDestinationLifecycle(t *testing.T) {
	s := startConnServer(t)
	ctx, c := t.Context(), s.client
	conn := must(c.CreateConnection(ctx, basicConnection("hook"))).ConnectionArn

	created := must(c.CreateApiDestination(ctx, newDestination("orders", conn)))
	arn := aws.ToString(created.ApiDestinationArn)
	if !reDestinationARN.MatchString(arn) || !strings.Contains(arn, "/orders/") || created.ApiDestinationState != types.ApiDestinationStateActive ||
		created.CreationTime == nil || created.LastModifiedTime == nil {
		t.Errorf("CreateApiDestination = %+v", created)
	}
	d := must(c.DescribeApiDestination(ctx, &eb.DescribeApiDestinationInput{Name: aws.String("orders")}))
	if aws.ToString(d.ApiDestinationArn) != arn || aws.ToString(d.Name) != "orders" || aws.ToString(d.Description) != "orders to the shop" ||
		aws.ToString(d.ConnectionArn) != aws.ToString(conn) || aws.ToString(d.InvocationEndpoint) != "https://example.com/api" ||
		d.HttpMethod != types.ApiDestinationHttpMethodPost || aws.ToInt32(d.InvocationRateLimitPerSecond) != 300 || d.ApiDestinationState != types.ApiDestinationStateActive {
		t.Errorf("DescribeApiDestination = %+v", d)
	}

	t.Run("update keeps what is left out", func(t *testing.T) {
		u := must(c.UpdateApiDestination(ctx, &eb.UpdateApiDestinationInput{Name: aws.String("orders"), HttpMethod: types.ApiDestinationHttpMethodPut,
			InvocationEndpoint: aws.String("https://example.com/api/v2"), Description: aws.String("Updated API destination"), InvocationRateLimitPerSecond: aws.Int32(5)}))
		if aws.ToString(u.ApiDestinationArn) != arn || u.ApiDestinationState != types.ApiDestinationStateActive || u.LastModifiedTime.Before(*u.CreationTime) || !u.CreationTime.Equal(*created.CreationTime) {
			t.Errorf("UpdateApiDestination = %+v", u)
		}
		d := must(c.DescribeApiDestination(ctx, &eb.DescribeApiDestinationInput{Name: aws.String("orders")}))
		if d.HttpMethod != types.ApiDestinationHttpMethodPut || aws.ToString(d.InvocationEndpoint) != "https://example.com/api/v2" ||
			aws.ToInt32(d.InvocationRateLimitPerSecond) != 5 || aws.ToString(d.ConnectionArn) != aws.ToString(conn) || aws.ToString(d.Description) != "Updated API destination" {
			t.Errorf("after update: %+v", d)
		}
	})
	t.Run("another connection", func(t *testing.T) {
		other := must(c.CreateConnection(ctx, oauthConnection("oauth", "https://auth.example.com/token"))).ConnectionArn
		u := must(c.UpdateApiDestination(ctx, &eb.UpdateApiDestinationInput{Name: aws.String("orders"), ConnectionArn: other}))
		if u.ApiDestinationState != types.ApiDestinationStateInactive {
			t.Errorf("destination of an AUTHORIZING connection is %s, want INACTIVE", u.ApiDestinationState)
		}
		must(c.UpdateApiDestination(ctx, &eb.UpdateApiDestinationInput{Name: aws.String("orders"), ConnectionArn: conn}))
	})
	t.Run("delete", func(t *testing.T) {
		must(c.DeleteApiDestination(ctx, &eb.DeleteApiDestinationInput{Name: aws.String("orders")}))
		_, err := c.DescribeApiDestination(ctx, &eb.DescribeApiDestinationInput{Name: aws.String("orders")})
		wantAPIError(t, err, "ResourceNotFoundException", "Failed to describe the api-destination(s). An api-destination 'orders' does not exist.")
		_, err = c.DeleteApiDestination(ctx, &eb.DeleteApiDestinationInput{Name: aws.String("orders")})
		wantAPIError(t, err, "ResourceNotFoundException", "Failed to describe the api-destination(s). An api-destination 'orders' does not exist.")
		// Deleting a destination leaves its connection alone.
		must(c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String("hook")}))
	})
}

func TestApiDestinationErrors(t *testing.T) {
	s := startConnServer(t)
	ctx, c := t.Context(), s.client
	conn := must(c.CreateConnection(ctx, basicConnection("hook"))).ConnectionArn
	must(c.CreateApiDestination(ctx, newDestination("taken", conn)))
	foreign := strings.Replace(aws.ToString(conn), "123456789012", "210987654321", 1)
	for _, tc := range []struct {
		name, code, msg string
		in              func(in *eb.CreateApiDestinationInput)
	}{
		{"duplicate", "ResourceAlreadyExistsException", "An api-destination 'taken' already exists.", func(in *eb.CreateApiDestinationInput) { in.Name = aws.String("taken") }},
		{"bad connection ARN and method", "ValidationException", `2 validation errors detected: Value 'invalid-connection-arn' at 'connectionArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:([0-9]{12})?:connection\/[\.\-_A-Za-z0-9]+\/[\-A-Za-z0-9]+$; Value 'INVALID_METHOD' at 'httpMethod' failed to satisfy constraint: Member must satisfy enum value set: [HEAD, POST, PATCH, DELETE, PUT, GET, OPTIONS]`,
			func(in *eb.CreateApiDestinationInput) {
				in.ConnectionArn, in.HttpMethod = aws.String("invalid-connection-arn"), "INVALID_METHOD"
			}},
		{"bad name", "ValidationException", `1 validation error detected: Value 'Invalid Name With Spaces!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`,
			func(in *eb.CreateApiDestinationInput) { in.Name = aws.String("Invalid Name With Spaces!") }},
		{"rate below 1", "ValidationException", "1 validation error detected: Value '0' at 'invocationRateLimitPerSecond' failed to satisfy constraint: Member must have value greater than or equal to 1",
			func(in *eb.CreateApiDestinationInput) { in.InvocationRateLimitPerSecond = aws.Int32(0) }},
		{"endpoint that breaks the pattern", "ValidationException", `1 validation error detected: Value 'https://example.com/a b' at 'invocationEndpoint' failed to satisfy constraint: Member must satisfy regular expression pattern: ^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@\x26=+$,A-Za-z0-9])+)([).!';/?:,])?$`,
			func(in *eb.CreateApiDestinationInput) { in.InvocationEndpoint = aws.String("https://example.com/a b") }},
		{"endpoint of another scheme", "ValidationException", "Parameter InvocationEndpoint is not valid. Reason: InvocationEndpoint must be an https:// (or, in trailbridge, http://) URL with a host.",
			func(in *eb.CreateApiDestinationInput) { in.InvocationEndpoint = aws.String("ftp://example.com/x") }},
		{"endpoint without host", "ValidationException", "Parameter InvocationEndpoint is not valid. Reason: InvocationEndpoint must be an https:// (or, in trailbridge, http://) URL with a host.",
			func(in *eb.CreateApiDestinationInput) { in.InvocationEndpoint = aws.String("https:///x") }},
		{"missing connection", "ResourceNotFoundException", "Failed to describe the connection(s). Connection 'nope' does not exist.",
			func(in *eb.CreateApiDestinationInput) {
				in.ConnectionArn = aws.String("arn:aws:events:us-east-1:123456789012:connection/nope/5f6a1b2c-0000-4000-8000-000000000001")
			}},
		{"connection of another account", "ResourceNotFoundException", "Failed to describe the connection(s). Connection '" + foreign + "' does not exist.",
			func(in *eb.CreateApiDestinationInput) { in.ConnectionArn = aws.String(foreign) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := newDestination("new", conn)
			tc.in(in)
			_, err := c.CreateApiDestination(ctx, in)
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}
	t.Run("update", func(t *testing.T) {
		_, err := c.UpdateApiDestination(ctx, &eb.UpdateApiDestinationInput{Name: aws.String("nope"), Description: aws.String("x")})
		wantAPIError(t, err, "ResourceNotFoundException", "Failed to describe the api-destination(s). An api-destination 'nope' does not exist.")
		_, err = c.UpdateApiDestination(ctx, &eb.UpdateApiDestinationInput{Name: aws.String("taken"), InvocationEndpoint: aws.String("mailto:x")})
		wantAPIError(t, err, "ValidationException", "Parameter InvocationEndpoint is not valid. Reason: InvocationEndpoint must be an https:// (or, in trailbridge, http://) URL with a host.")
	})
	t.Run("http endpoints are allowed", func(t *testing.T) {
		in := newDestination("plain-http", conn)
		in.InvocationEndpoint = aws.String("http://orders.internal:8080/hook/*")
		must(c.CreateApiDestination(ctx, in))
	})
}

func TestListApiDestinations(t *testing.T) {
	s := startConnServer(t)
	ctx, c := t.Context(), s.client
	a := must(c.CreateConnection(ctx, basicConnection("a"))).ConnectionArn
	b := must(c.CreateConnection(ctx, apiKeyConnection("b"))).ConnectionArn
	for i := range 5 {
		conn := a
		if i%2 == 1 {
			conn = b
		}
		must(c.CreateApiDestination(ctx, newDestination(fmt.Sprintf("dest-%d", i), conn)))
	}
	must(c.CreateApiDestination(ctx, newDestination("zeta", a)))
	list := func(in *eb.ListApiDestinationsInput) []string {
		t.Helper()
		var names []string
		for {
			out := must(c.ListApiDestinations(ctx, in))
			for _, d := range out.ApiDestinations {
				names = append(names, aws.ToString(d.Name))
			}
			if in.NextToken = out.NextToken; in.NextToken == nil {
				return names
			}
		}
	}
	for _, tc := range []struct {
		name string
		in   *eb.ListApiDestinationsInput
		want []string
	}{
		{"all in pages of 4", &eb.ListApiDestinationsInput{Limit: aws.Int32(4)}, []string{"dest-0", "dest-1", "dest-2", "dest-3", "dest-4", "zeta"}},
		{"by prefix", &eb.ListApiDestinationsInput{NamePrefix: aws.String("dest-")}, []string{"dest-0", "dest-1", "dest-2", "dest-3", "dest-4"}},
		{"by connection", &eb.ListApiDestinationsInput{ConnectionArn: b}, []string{"dest-1", "dest-3"}},
		{"by both", &eb.ListApiDestinationsInput{ConnectionArn: a, NamePrefix: aws.String("dest-"), Limit: aws.Int32(1)}, []string{"dest-0", "dest-2", "dest-4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := list(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("listed %v, want %v", got, tc.want)
			}
		})
	}
	item := must(c.ListApiDestinations(ctx, &eb.ListApiDestinationsInput{NamePrefix: aws.String("dest-1")})).ApiDestinations[0]
	if aws.ToString(item.ConnectionArn) != aws.ToString(b) || aws.ToInt32(item.InvocationRateLimitPerSecond) != 300 ||
		item.ApiDestinationState != types.ApiDestinationStateActive || !reDestinationARN.MatchString(aws.ToString(item.ApiDestinationArn)) {
		t.Errorf("item = %+v", item)
	}
	_, err := c.ListApiDestinations(ctx, &eb.ListApiDestinationsInput{ConnectionArn: aws.String("nope")})
	wantAPIError(t, err, "ValidationException", `1 validation error detected: Value 'nope' at 'connectionArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:([0-9]{12})?:connection\/[\.\-_A-Za-z0-9]+\/[\-A-Za-z0-9]+$`)
}

func TestApiDestinationsSurviveRestart(t *testing.T) {
	s := startConnServer(t)
	ctx := t.Context()
	conn := must(s.client.CreateConnection(ctx, basicConnection("hook")))
	in := newDestination("orders", conn.ConnectionArn)
	in.InvocationRateLimitPerSecond = aws.Int32(12)
	created := must(s.client.CreateApiDestination(ctx, in))
	before := must(s.client.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String("hook")}))

	s.restart()
	c := s.client
	d := must(c.DescribeApiDestination(ctx, &eb.DescribeApiDestinationInput{Name: aws.String("orders")}))
	if aws.ToString(d.ApiDestinationArn) != aws.ToString(created.ApiDestinationArn) || aws.ToInt32(d.InvocationRateLimitPerSecond) != 12 ||
		d.ApiDestinationState != types.ApiDestinationStateActive || !d.CreationTime.Equal(*created.CreationTime) {
		t.Errorf("destination after restart: %+v", d)
	}
	after := must(c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String("hook")}))
	if aws.ToString(after.ConnectionArn) != aws.ToString(conn.ConnectionArn) || aws.ToString(after.SecretArn) != aws.ToString(before.SecretArn) ||
		after.ConnectionState != types.ConnectionStateAuthorized || len(after.AuthParameters.InvocationHttpParameters.HeaderParameters) != 2 {
		t.Errorf("connection after restart: %+v", after)
	}
}

// TestInvokeThroughConnections drives the API destination target with the
// Connections as its resolver: what the API stored, sealed, reaches the
// endpoint opened.
func TestInvokeThroughConnections(t *testing.T) {
	s := startConnServer(t)
	ctx, c := t.Context(), s.client

	var mu sync.Mutex
	var got []*http.Request
	var bodies []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r.Clone(r.Context())), append(bodies, string(b))
		mu.Unlock()
	}))
	defer api.Close()
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, secret, _ := r.BasicAuth(); id != "client-1" || secret != testClientSecret {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"access_token":"the-token","expires_in":3600}`)
	}))
	defer tokens.Close()

	basic := must(c.CreateConnection(ctx, basicConnection("basic"))).ConnectionArn
	oauth := must(c.CreateConnection(ctx, oauthConnection("oauth", tokens.URL+"/token"))).ConnectionArn
	for name, conn := range map[string]*string{"basic": basic, "oauth": oauth} {
		in := newDestination(name, conn)
		in.InvocationEndpoint = aws.String(api.URL + "/orders/*") // http://: a trailbridge deviation
		must(c.CreateApiDestination(ctx, in))
	}
	kind := &apidest.Kind{Resolver: s.conns}
	inv := func(name string) error {
		arn := aws.ToString(must(c.DescribeApiDestination(ctx, &eb.DescribeApiDestinationInput{Name: aws.String(name)})).ApiDestinationArn)
		tg, err := kind.Target(ctx, arn)
		if err != nil {
			return err
		}
		return tg.Invoke(ctx, &target.Invocation{Payload: []byte(`{"order":1}`), Event: []byte(`{"detail":{"id":"o-7"}}`),
			Target: &tb.Target{Id: "t", Arn: arn, HttpParameters: &tb.HttpParameters{PathParameterValues: []string{"$.detail.id"}}}})
	}

	if err := inv("basic"); err != nil {
		t.Fatal(err)
	}
	r := got[0]
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+testPassword)); r.Header.Get("Authorization") != want {
		t.Errorf("Authorization = %q, want %q", r.Header.Get("Authorization"), want)
	}
	if r.URL.Path != "/orders/o-7" || r.URL.Query().Get("token") != testQuerySecret || r.Header.Get("X-Token") != testParamSecret || r.Header.Get("X-Source") != "trailbridge" {
		t.Errorf("request = %s %s %v", r.Method, r.URL, r.Header)
	}
	if want := `{"order":1,"env":"prod","sig":"` + testBodySecret + `"}`; bodies[0] != want {
		t.Errorf("body = %s, want %s", bodies[0], want)
	}

	if st := must(c.DescribeApiDestination(ctx, &eb.DescribeApiDestinationInput{Name: aws.String("oauth")})).ApiDestinationState; st != types.ApiDestinationStateInactive {
		t.Errorf("OAuth destination before its first token: %s, want INACTIVE", st)
	}
	if err := inv("oauth"); err != nil {
		t.Fatal(err)
	}
	if a := got[1].Header.Get("Authorization"); a != "Bearer the-token" {
		t.Errorf("Authorization = %q", a)
	}
	// The token turned the connection AUTHORIZED, and its destination ACTIVE.
	check.For(t, 5*time.Second, 10*time.Millisecond, func() error {
		d := must(c.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String("oauth")}))
		if d.ConnectionState != types.ConnectionStateAuthorized || d.LastAuthorizedTime == nil {
			return fmt.Errorf("connection is %s", d.ConnectionState)
		}
		return nil
	})
	if st := must(c.DescribeApiDestination(ctx, &eb.DescribeApiDestinationInput{Name: aws.String("oauth")})).ApiDestinationState; st != types.ApiDestinationStateActive {
		t.Errorf("OAuth destination after its first token: %s, want ACTIVE", st)
	}

	// A deauthorized connection stops deliveries without a retry.
	must(c.DeauthorizeConnection(ctx, &eb.DeauthorizeConnectionInput{Name: aws.String("basic")}))
	err := inv("basic")
	if e := target.AsError(err); e == nil || e.Code != target.CodeNoPermissions || e.Retryable {
		t.Errorf("invoke through a deauthorized connection = %v", err)
	}
	for _, secret := range allTestSecrets {
		if strings.Contains(s.answered(), secret) {
			t.Errorf("an answer holds the secret %q", secret)
		}
	}
}
