package config

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge"
)

// envOf returns an env lookup over a fixed set of variables.
func envOf(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

var testEnv = envOf(map[string]string{
	"TB_SECRET":        "s3cret",
	"OPS_KEY":          "k3y",
	"PARTNER_PASSWORD": "pw",
	"SSO_SECRET":       "sso-secret",
	"EMPTY":            "",
})

func ptr[T any](v T) *T { return &v }

func TestParseFull(t *testing.T) {
	data, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(data, testEnv)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := &File{
		AccessKeys: []AccessKey{{Key: "AccessKeys[0]", AccessKeyId: "AKIAEXAMPLE", SecretAccessKey: "s3cret"}},
		EventBuses: []EventBus{{
			Key: "EventBuses[0]", Name: "orders", Description: "orders from the shop",
			Tags: []trailbridge.Tag{{Key: "team", Value: "shop"}},
		}},
		Rules: []Rule{
			{
				Key:          "Rules[0]",
				Name:         "new-iam-user",
				EventBusName: "default",
				Description:  "disable users created outside the pipeline",
				State:        "ENABLED",
				EventPattern: `{"source":["aws.iam"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["CreateUser"],"requestParameters":{"userName":[{"prefix":"tmp-"}]}}}`,
				Targets: []trailbridge.Target{
					{
						Id:               "disable",
						Arn:              "arn:aws:lambda:us-east-1:000000000000:function:disable-user",
						Input:            ptr(`{"a":1,"b":[true,null,"x"]}`),
						RetryPolicy:      &trailbridge.RetryPolicy{MaximumRetryAttempts: ptr(3), MaximumEventAgeInSeconds: ptr(3600)},
						DeadLetterConfig: &trailbridge.DeadLetterConfig{Arn: "arn:aws:sqs:us-east-1:000000000000:ops-dlq"},
					},
					{
						Id:      "notify",
						Arn:     "arn:aws:events:us-east-1:000000000000:api-destination/ops-webhook",
						RoleArn: "arn:aws:iam::000000000000:role/invoke",
						InputTransformer: &trailbridge.InputTransformer{
							InputPathsMap: map[string]string{"user": "$.detail.requestParameters.userName"},
							InputTemplate: `{"text": "new user <user>"}`,
						},
						HttpParameters: &trailbridge.HttpParameters{
							PathParameterValues:   []string{"a"},
							HeaderParameters:      map[string]string{"X-A": "b"},
							QueryStringParameters: map[string]string{"q": "v"},
						},
					},
				},
			},
			{
				Key:          "Rules[1]",
				Name:         "big-orders",
				EventBusName: "orders",
				State:        "DISABLED",
				EventPattern: `{"source":["shop"],"detail":{"total":[{"numeric":[">",1000]}]}}`,
				RoleArn:      "arn:aws:iam::000000000000:role/rules",
				Tags:         []trailbridge.Tag{{Key: "k", Value: "v"}},
				Targets: []trailbridge.Target{
					{
						Id:            "queue",
						Arn:           "arn:aws:sqs:us-east-1:000000000000:orders.fifo",
						InputPath:     ptr("$.detail"),
						SqsParameters: &trailbridge.SqsParameters{MessageGroupId: "g"},
					},
					{
						Id:                "stream",
						Arn:               "arn:aws:kinesis:us-east-1:000000000000:stream/orders",
						Input:             ptr(`{"kept": "as written" }`),
						KinesisParameters: json.RawMessage(`{"PartitionKeyPath":"$.id"}`),
					},
				},
			},
			{
				Key:                "Rules[2]",
				Name:               "every-five-minutes",
				EventBusName:       "default",
				State:              "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
				ScheduleExpression: "rate(5 minutes)",
				Targets: []trailbridge.Target{
					{Id: "tick", Arn: "arn:aws:lambda:us-east-1:000000000000:function:tick"},
				},
			},
		},
		Connections: []Connection{
			{
				Key:               "Connections[0]",
				Name:              "ops",
				Description:       "the ops team's webhook key",
				AuthorizationType: "API_KEY",
				AuthParameters: AuthParameters{
					ApiKeyAuthParameters: &ApiKeyAuthParameters{ApiKeyName: "x-api-key", ApiKeyValue: "k3y"},
					InvocationHttpParameters: &ConnectionHttpParameters{
						HeaderParameters:      []ConnectionParameter{{Key: "X-Source", Value: "trailbridge"}},
						QueryStringParameters: []ConnectionParameter{{Key: "token", Value: "k3y", IsValueSecret: true}},
						BodyParameters:        []ConnectionParameter{{Key: "env", Value: "prod"}},
					},
				},
			},
			{
				Key:               "Connections[1]",
				Name:              "partner",
				AuthorizationType: "BASIC",
				AuthParameters: AuthParameters{
					BasicAuthParameters: &BasicAuthParameters{Username: "partner", Password: "pw"},
				},
			},
			{
				Key:               "Connections[2]",
				Name:              "sso",
				AuthorizationType: "OAUTH_CLIENT_CREDENTIALS",
				AuthParameters: AuthParameters{
					OAuthParameters: &OAuthParameters{
						ClientParameters:      &OAuthClientParameters{ClientID: "trailbridge", ClientSecret: "sso-secret"},
						AuthorizationEndpoint: "https://sso.example.com/token",
						HttpMethod:            "POST",
						OAuthHttpParameters: &ConnectionHttpParameters{
							BodyParameters: []ConnectionParameter{{Key: "scope", Value: "events"}},
						},
					},
				},
			},
		},
		ApiDestinations: []ApiDestination{
			{
				Key:                          "ApiDestinations[0]",
				Name:                         "ops-webhook",
				Description:                  "the ops team's chat hook",
				Connection:                   "ops",
				InvocationEndpoint:           "https://ops.example.com/hook",
				HttpMethod:                   "POST",
				InvocationRateLimitPerSecond: 300,
			},
			{
				Key:                          "ApiDestinations[1]",
				Name:                         "legacy",
				ConnectionArn:                "arn:aws:events:us-east-1:000000000000:connection/legacy/1",
				InvocationEndpoint:           "http://10.0.0.5:8080/events/*",
				HttpMethod:                   "PUT",
				InvocationRateLimitPerSecond: 20,
			},
		},
		Functions: []Function{
			{
				Key:         "Functions[0]",
				Name:        "disable-user",
				Command:     []string{"./scripts/disable-user.sh", "--dry-run"},
				Environment: map[string]string{"AWS_REGION": "us-east-1", "PRICE": "${PRICE}"},
				Timeout:     2 * time.Minute,
				Concurrency: 4,
			},
			{
				Key:         "Functions[1]",
				Name:        "tick",
				Url:         "http://127.0.0.1:9000/invoke",
				Timeout:     30 * time.Second,
				Concurrency: 10,
			},
		},
		Queues: []Queue{
			{
				Key:        "Queues[0]",
				Name:       "ops-dlq",
				Attributes: map[string]string{"VisibilityTimeout": "30", "MessageRetentionPeriod": "345600"},
			},
			{Key: "Queues[1]", Name: "orders.fifo", FifoQueue: true},
		},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("Parse(full.yaml) =\n%s\nwant\n%s", g, w)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Validate() after Parse = %v", err)
	}
}

func TestParseEmpty(t *testing.T) {
	for name, text := range map[string]string{
		"empty":           "",
		"comment":         "# nothing yet\n",
		"document marker": "---\n",
		"null sections":   "Rules:\nQueues: ~\n",
		"empty sections":  "Rules: []\nEventBuses: []\n",
	} {
		t.Run(name, func(t *testing.T) {
			f, err := Parse([]byte(text), nil)
			if err != nil {
				t.Fatalf("Parse(%q) = %v", text, err)
			}
			if !reflect.DeepEqual(f, &File{}) {
				t.Errorf("Parse(%q) = %+v, want an empty File", text, f)
			}
		})
	}
}

// TestParseByteOrderMark: a file an editor saved with a UTF-8 byte order
// mark reads as without it.
func TestParseByteOrderMark(t *testing.T) {
	f, err := Parse([]byte("\ufeffQueues:\n  - Name: q\n"), nil)
	if err != nil || len(f.Queues) != 1 || f.Queues[0].Name != "q" {
		t.Fatalf("Parse with a BOM = %+v, %v", f, err)
	}
}

func TestParseDefaults(t *testing.T) {
	f, err := Parse([]byte(`
Rules:
  - Name: r
    EventPattern: {source: [a]}
ApiDestinations:
  - Name: d
    ConnectionArn: arn:aws:events:us-east-1:000000000000:connection/c/1
    InvocationEndpoint: https://example.com
    HttpMethod: GET
Functions:
  - Name: f
    Command: [true]
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := f.Rules[0]
	if got, want := r.EventBusName, "default"; got != want {
		t.Errorf("EventBusName = %q, want %q", got, want)
	}
	if got, want := r.State, "ENABLED"; got != want {
		t.Errorf("State = %q, want %q", got, want)
	}
	if got, want := f.ApiDestinations[0].InvocationRateLimitPerSecond, 300; got != want {
		t.Errorf("InvocationRateLimitPerSecond = %d, want %d", got, want)
	}
	fn := f.Functions[0]
	if got, want := fn.Timeout, 30*time.Second; got != want {
		t.Errorf("Timeout = %v, want %v", got, want)
	}
	if got, want := fn.Concurrency, 10; got != want {
		t.Errorf("Concurrency = %d, want %d", got, want)
	}
	if got, want := fn.Command, []string{"true"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Command = %q, want %q", got, want)
	}
}

// TestParseValues covers how YAML values become the strings AWS wants.
func TestParseValues(t *testing.T) {
	tests := []struct {
		name string
		yaml string // the value of a rule's EventPattern, or of a target's Input
		want string
	}{
		{"pattern mapping keeps key order", `EventPattern: {z: [1], a: [2], m: [3]}`, `{"z":[1],"a":[2],"m":[3]}`},
		{"pattern string is compacted", "EventPattern: |\n      {\n        \"source\": [\"a\"]\n      }", `{"source":["a"]}`},
		{"pattern numbers", `EventPattern: {n: [{numeric: [">", 0, "<=", 1.50, "<", 1e3, "=", 0x1F, "=", -2]}]}`, `{"n":[{"numeric":[">",0,"<=",1.50,"<",1e3,"=",31,"=",-2]}]}`},
		{"pattern big integer", `EventPattern: {n: [123456789012345678901234567890]}`, `{"n":[123456789012345678901234567890]}`},
		{"pattern quoted number stays a string", `EventPattern: {n: ["42", '7']}`, `{"n":["42","7"]}`},
		{"pattern booleans and null", `EventPattern: {b: [true, false, null]}`, `{"b":[true,false,null]}`},
		{"pattern html characters", `EventPattern: {s: ["<a&b>"]}`, `{"s":["<a&b>"]}`},
		{"pattern expands env", `EventPattern: {s: ["${OPS_KEY}"]}`, `{"s":["k3y"]}`},
		{"pattern !!str", `EventPattern: {s: [!!str 1e3]}`, `{"s":["1e3"]}`},
		{"pattern anchor and merge", "EventPattern:\n      <<: &base {source: [a]}\n      detail: {x: [*base]}", `{"source":["a"],"detail":{"x":[{"source":["a"]}]}}`},
		{"pattern merge overridden", "EventPattern:\n      <<: {source: [a], detail-type: [b]}\n      source: [c]", `{"source":["c"],"detail-type":["b"]}`},
		{"pattern unicode", `EventPattern: {s: ["é\u2028"]}`, "{\"s\":[\"é\\u2028\"]}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := "Rules:\n  - Name: r\n    " + tt.yaml + "\n"
			f, err := Parse([]byte(text), testEnv)
			if err != nil {
				t.Fatalf("Parse:\n%s\nerror: %v", text, err)
			}
			if got := f.Rules[0].EventPattern; got != tt.want {
				t.Errorf("EventPattern = %s, want %s", got, tt.want)
			}
		})
	}

	inputs := []struct {
		name string
		yaml string
		want string
	}{
		{"mapping", `{a: 1, b: "<x>"}`, `{"a":1,"b":"<x>"}`},
		{"list", `[1, "two"]`, `[1,"two"]`},
		{"string kept as is", `'{"a": 1}'`, `{"a": 1}`},
		{"invalid JSON string kept for the API layer", `'{not json'`, `{not json`},
		{"number as text", `42`, `42`},
		{"string with env", `'{"key": "${OPS_KEY}"}'`, `{"key": "k3y"}`},
	}
	for _, tt := range inputs {
		t.Run("input "+tt.name, func(t *testing.T) {
			text := "Rules:\n  - Name: r\n    ScheduleExpression: rate(1 hour)\n    Targets:\n      - Id: t\n        Arn: arn:aws:sqs:us-east-1:000000000000:q\n        Input: " + tt.yaml + "\n"
			f, err := Parse([]byte(text), testEnv)
			if err != nil {
				t.Fatalf("Parse:\n%s\nerror: %v", text, err)
			}
			got := f.Rules[0].Targets[0].Input
			if got == nil || *got != tt.want {
				t.Errorf("Input = %v, want %s", got, tt.want)
			}
		})
	}
}

func TestParseStringsFromScalars(t *testing.T) {
	f, err := Parse([]byte(`
Queues:
  - Name: q
    Attributes: {VisibilityTimeout: 30, DelaySeconds: 0123, Flag: true, Empty: , Forced: !!str 12}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"VisibilityTimeout": "30", "DelaySeconds": "0123", "Flag": "true", "Empty": "", "Forced": "12"}
	if got := f.Queues[0].Attributes; !reflect.DeepEqual(got, want) {
		t.Errorf("Attributes = %q, want %q", got, want)
	}
}

func TestParseJSONFile(t *testing.T) {
	// What the aws CLI prints can be pasted: JSON is YAML.
	f, err := Parse([]byte(`{"Rules": [{"Name": "r", "EventPattern": "{\"source\": [\"a\"]}",
		"Targets": [{"Id": "1", "Arn": "arn:aws:sqs:us-east-1:000000000000:q", "RetryPolicy": {"MaximumRetryAttempts": 0}}]}]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Rules[0].EventPattern, `{"source":["a"]}`; got != want {
		t.Errorf("EventPattern = %s, want %s", got, want)
	}
	if got := f.Rules[0].Targets[0].RetryPolicy.MaximumRetryAttempts; got == nil || *got != 0 {
		t.Errorf("MaximumRetryAttempts = %v, want 0", got)
	}
}

func TestLoad(t *testing.T) {
	t.Run("reads and parses with the environment", func(t *testing.T) {
		t.Setenv("TB_TEST_SECRET", "from-env")
		path := filepath.Join(t.TempDir(), "trailbridge.yaml")
		text := "SecretKey: ${TB_TEST_SECRET}-key\nAccessKeys:\n  - AccessKeyId: AKIA\n    SecretAccessKey: ${TB_TEST_SECRET}\n"
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := f.AccessKeys[0].SecretAccessKey, "from-env"; got != want {
			t.Errorf("SecretAccessKey = %q, want %q", got, want)
		}
		if got, want := f.SecretKey, "from-env-key"; got != want {
			t.Errorf("SecretKey = %q, want %q", got, want)
		}
	})
	t.Run("errors start with the path and line", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "trailbridge.yaml")
		text := "Rules:\n  - Name: r\n    Tragets: []\n  - EventPattern: {}\n"
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		want := path + ":3: Rules[0].Tragets: unknown key, did you mean Targets?"
		if err == nil || err.Error() != want {
			t.Errorf("Load error = %v, want %s", err, want)
		}
		var e *Error
		if !errors.As(err, &e) || e.File != path || e.Line != 3 || e.Path != "Rules[0].Tragets" {
			t.Errorf("errors.As(*Error) = %+v", e)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope.yaml")
		_, err := Load(path)
		if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Load error = %v, want one starting with %s and matching fs.ErrNotExist", err, path)
		}
	})
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse([]byte(`
Rules:
  - Name: a
    Sate: ENABLED
Functions:
  - Name: f
    Timeout: 5
`), nil)
	want := "line 4: Rules[0].Sate: unknown key, did you mean State?\n" +
		"line 7: Functions[0].Timeout: must be a duration such as 30s or 5m, got an integer"
	if err == nil || err.Error() != want {
		t.Errorf("Parse error =\n%v\nwant\n%s", err, want)
	}
	var list interface{ Unwrap() []error }
	if !errors.As(err, &list) || len(list.Unwrap()) != 2 {
		t.Errorf("want two joined errors, got %#v", err)
	}
}

func TestParseCapsErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("Rules:\n")
	for range maxErrors + 5 {
		b.WriteString("  - Nme: x\n")
	}
	_, err := Parse([]byte(b.String()), nil)
	lines := strings.Split(err.Error(), "\n")
	if got, want := len(lines), maxErrors+1; got != want {
		t.Fatalf("got %d lines of errors, want %d", got, want)
	}
	if got, want := lines[maxErrors], "too many errors (5 more)"; got != want {
		t.Errorf("last line = %q, want %q", got, want)
	}
}

func TestValidate(t *testing.T) {
	f := &File{
		Rules: []Rule{{
			Name:         "r",
			EventPattern: "{bad",
			Targets:      []trailbridge.Target{{Id: "t", Arn: "a", RetryPolicy: &trailbridge.RetryPolicy{MaximumRetryAttempts: ptr(-1)}}},
		}},
		Functions: []Function{{Name: "f", Url: "http://x"}},
	}
	want := "Rules[0].EventPattern: must be valid JSON\n" +
		"Rules[0].Targets[0].RetryPolicy.MaximumRetryAttempts: must be between 0 and 185, got -1\n" +
		"Functions[0].Timeout: must be more than 0s and at most 15m0s, got 0s\n" +
		"Functions[0].Concurrency: must be at least 1, got 0"
	if err := f.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() =\n%v\nwant\n%s", err, want)
	}
	if err := (&File{}).Validate(); err != nil {
		t.Errorf("Validate() of an empty File = %v", err)
	}
}
