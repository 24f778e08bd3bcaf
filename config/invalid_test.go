package config

import "testing"

// TestParseInvalid lists snippets Parse rejects, with the exact error: the
// key path is what users and the caller rely on.
func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		// The file as a whole.
		{"syntax", "Rules: [\n", "line 1: invalid YAML: sequence end token ']' not found"},
		{"flow mapping with unquoted ${}", "Connections:\n  - Name: c\n    AuthParameters: {ApiKeyAuthParameters: {ApiKeyValue: ${K}}}\n", `line 3: invalid YAML: ',' or '}' must be specified (inside { } or [ ], quote values that contain ${NAME}: "${NAME}")`},
		{"duplicate key", "Rules: []\nRules: []\n", `line 2: invalid YAML: mapping key "Rules" already defined at [1:1]`},
		{"tab indentation", "Rules:\n\t- Name: r\n", "line 2: invalid YAML: found character '\t' that cannot start any token"},
		{"two documents", "Rules: []\n---\nQueues: []\n", "line 3: the file must hold one YAML document, found 2"},
		{"not a mapping", "- Name: r\n", "line 1: the file must be a mapping of sections such as Rules, got a list"},
		{"scalar file", "hello\n", "line 1: the file must be a mapping of sections such as Rules, got a string"},
		{"unknown section", "Rulez: []\n", "line 1: Rulez: unknown key, did you mean Rules?"},
		{"unknown section far from any", "Archives: []\n", "line 1: Archives: unknown key"},
		{"section not a list", "Rules: {Name: r}\n", "line 1: Rules: must be a list, got a mapping"},
		{"empty list item", "Queues:\n  -\n", "line 2: Queues[0]: empty list item"},
		{"item not a mapping", "Queues: [q]\n", "line 1: Queues[0]: must be a mapping, got a string"},

		// Unknown keys and wrong types, at every depth.
		{"unknown rule key", "Rules:\n  - Name: r\n    EventPattern: {}\n    Tragets: []\n", "line 4: Rules[0].Tragets: unknown key, did you mean Targets?"},
		{"wrongly cased key", "Rules:\n  - name: r\n", "line 2: Rules[0].name: unknown key, did you mean Name?"},
		{"unknown target key", rule("      - Id: t\n        Arn: a\n        Inputt: x\n"), "line 7: Rules[0].Targets[0].Inputt: unknown key, did you mean Input?"},
		{"unknown retry policy key", rule("      - Id: t\n        Arn: a\n        RetryPolicy: {MaximumRetryAttempt: 3}\n"), "line 7: Rules[0].Targets[0].RetryPolicy.MaximumRetryAttempt: unknown key, did you mean MaximumRetryAttempts?"},
		{"unknown http parameters key", rule("      - Id: t\n        Arn: a\n        HttpParameters: {Headers: {a: b}}\n"), "line 7: Rules[0].Targets[0].HttpParameters.Headers: unknown key"},
		{"unknown transformer key", rule("      - Id: t\n        Arn: a\n        InputTransformer: {InputPathMap: {}, InputTemplate: x}\n"), "line 7: Rules[0].Targets[0].InputTransformer.InputPathMap: unknown key, did you mean InputPathsMap?"},
		{"unknown tag key", "EventBuses:\n  - Name: b\n    Tags: [{Key: k, Val: v}]\n", "line 3: EventBuses[0].Tags[0].Val: unknown key"},
		{"unknown auth key", "Connections:\n  - Name: c\n    AuthorizationType: BASIC\n    AuthParameters:\n      BasicAuthParameters: {Username: u, Passwd: p}\n", "line 5: Connections[0].AuthParameters.BasicAuthParameters.Passwd: unknown key, did you mean Password?"},
		{"unknown connection parameter key", "Connections:\n  - Name: c\n    AuthorizationType: API_KEY\n    AuthParameters:\n      ApiKeyAuthParameters: {ApiKeyName: n, ApiKeyValue: v}\n      InvocationHttpParameters:\n        HeaderParameters: [{Key: k, Value: v, Secret: true}]\n", "line 7: Connections[0].AuthParameters.InvocationHttpParameters.HeaderParameters[0].Secret: unknown key"},
		{"targets not a list", rule2("    Targets: {Id: t}\n"), "line 4: Rules[0].Targets: must be a list, got a mapping"},
		{"name a mapping", "Queues:\n  - Name: {a: b}\n", "line 2: Queues[0].Name: must be a string, got a mapping"},
		{"string for an integer", rule("      - Id: t\n        Arn: a\n        RetryPolicy: {MaximumRetryAttempts: \"3\"}\n"), "line 7: Rules[0].Targets[0].RetryPolicy.MaximumRetryAttempts: must be an integer, got a string"},
		{"float for an integer", rule("      - Id: t\n        Arn: a\n        RetryPolicy: {MaximumRetryAttempts: 3.5}\n"), "line 7: Rules[0].Targets[0].RetryPolicy.MaximumRetryAttempts: must be an integer, got a number"},
		{"integer out of range", "Functions:\n  - Name: f\n    Url: http://x\n    Concurrency: 99999999999999999999\n", "line 4: Functions[0].Concurrency: integer 99999999999999999999 is out of range"},
		{"string for a boolean", "Queues:\n  - Name: q\n    FifoQueue: \"true\"\n", "line 3: Queues[0].FifoQueue: must be a boolean (true or false), got a string"},
		{"yes is not a boolean", "Queues:\n  - Name: q\n    FifoQueue: yes\n", "line 3: Queues[0].FifoQueue: must be a boolean (true or false), got a string"},
		{"list for a string map", "Queues:\n  - Name: q\n    Attributes: [a]\n", "line 3: Queues[0].Attributes: must be a mapping, got a list"},
		{"mapping in a string list", "Functions:\n  - Name: f\n    Command: [{a: b}]\n", "line 3: Functions[0].Command[0]: must be a string, got a mapping"},
		{"command as a string", "Functions:\n  - Name: f\n    Command: ./run.sh\n", "line 3: Functions[0].Command: must be a list, got a string"},
		{"integer for a duration", "Functions:\n  - Name: f\n    Url: http://x\n    Timeout: 30\n", "line 4: Functions[0].Timeout: must be a duration such as 30s or 5m, got an integer"},
		{"bad duration", "Functions:\n  - Name: f\n    Url: http://x\n    Timeout: 30 seconds\n", `line 4: Functions[0].Timeout: invalid duration "30 seconds", want a duration such as 30s or 5m`},
		{"pattern as a list", rule2("    EventPattern: [a]\n"), "line 4: Rules[0].EventPattern: must be a mapping or a string holding JSON, got a list"},
		{"pattern string not JSON", rule2("    EventPattern: '{\"source\": [a]}'\n"), "line 4: Rules[0].EventPattern: must be valid JSON: invalid character 'a' looking for beginning of value"},
		{"pattern with infinity", rule2("    EventPattern: {n: [.inf]}\n"), "line 4: Rules[0].EventPattern.n[0]: .inf is not a JSON number"},
		{"template as a mapping", rule("      - Id: t\n        Arn: a\n        InputTransformer: {InputTemplate: {a: b}}\n"), "line 7: Rules[0].Targets[0].InputTransformer.InputTemplate: must be a string, got a mapping"},
		{"kinesis parameters not JSON", rule("      - Id: t\n        Arn: a\n        KinesisParameters: '{'\n"), "line 7: Rules[0].Targets[0].KinesisParameters: must be valid JSON: unexpected end of JSON input"},
		{"cloudformation tag", rule("      - Id: t\n        Arn: !GetAtt Fn.Arn\n"), "line 6: Rules[0].Targets[0].Arn: YAML tag !GetAtt is not supported (write the value itself, or ${NAME} to take it from the environment)"},
		{"unknown alias", "Queues:\n  - *q\n", "line 2: Queues[0]: unknown alias *q"},
		{"merge of a scalar", "Queues:\n  - <<: 1\n    Name: q\n", "line 2: Queues[0].<<: must be a mapping or a list of mappings, got an integer"},
		{"key that is a list", "Queues:\n  - ? [a]\n    : b\n", "line 3: invalid YAML: found an invalid key for this map"},

		// ${NAME}.
		{"unset variable", "AccessKeys:\n  - AccessKeyId: AKIA\n    SecretAccessKey: ${TB_MISSING}\n", "line 3: AccessKeys[0].SecretAccessKey: environment variable TB_MISSING is not set"},
		{"unterminated variable", "AccessKeys:\n  - AccessKeyId: AKIA\n    SecretAccessKey: ${TB_SECRET\n", "line 3: AccessKeys[0].SecretAccessKey: unterminated ${ (write $${ for a literal ${)"},
		{"invalid variable name", "AccessKeys:\n  - AccessKeyId: AKIA\n    SecretAccessKey: ${TB-SECRET}\n", `line 3: AccessKeys[0].SecretAccessKey: invalid environment variable name "TB-SECRET" in ${TB-SECRET} (write $${ for a literal ${)`},
		{"unset variable in a list", "Functions:\n  - Name: f\n    Command: [run, \"${NOPE}\"]\n", "line 3: Functions[0].Command[1]: environment variable NOPE is not set"},
		{"unset variable in a pattern", rule2("    EventPattern: {detail: {user: [\"${NOPE}\"]}}\n"), "line 4: Rules[0].EventPattern.detail.user[0]: environment variable NOPE is not set"},
		{"unset variable in a map", "Functions:\n  - Name: f\n    Url: http://x\n    Environment: {A: \"${NOPE}\"}\n", "line 4: Functions[0].Environment.A: environment variable NOPE is not set"},

		// Required keys.
		{"access key without secret", "AccessKeys:\n  - AccessKeyId: AKIA\n", "line 2: AccessKeys[0].SecretAccessKey: required"},
		{"access key secret from empty variable", "AccessKeys:\n  - AccessKeyId: AKIA\n    SecretAccessKey: ${EMPTY}\n", "line 3: AccessKeys[0].SecretAccessKey: required"},
		{"bus without name", "EventBuses:\n  - Description: d\n", "line 2: EventBuses[0].Name: required"},
		{"tag without key", "EventBuses:\n  - Name: b\n    Tags: [{Value: v}]\n", "line 3: EventBuses[0].Tags[0].Key: required"},
		{"rule without name", "Rules:\n  - EventPattern: {source: [a]}\n", "line 2: Rules[0].Name: required"},
		{"rule without pattern or schedule", "Rules:\n  - Name: r\n", "line 2: Rules[0]: needs EventPattern or ScheduleExpression"},
		{"target without id and arn", rule("      - RoleArn: r\n"), "line 5: Rules[0].Targets[0].Id: required\n" +
			"line 5: Rules[0].Targets[0].Arn: required"},
		{"connection without type", "Connections:\n  - Name: c\n", "line 2: Connections[0].AuthorizationType: required"},
		{"api key block missing", "Connections:\n  - Name: c\n    AuthorizationType: API_KEY\n", "line 2: Connections[0].AuthParameters.ApiKeyAuthParameters: required for AuthorizationType API_KEY"},
		{"api key value missing", "Connections:\n  - Name: c\n    AuthorizationType: API_KEY\n    AuthParameters:\n      ApiKeyAuthParameters: {ApiKeyName: x-api-key}\n", "line 5: Connections[0].AuthParameters.ApiKeyAuthParameters.ApiKeyValue: required"},
		{"block of another type", "Connections:\n  - Name: c\n    AuthorizationType: API_KEY\n    AuthParameters:\n      ApiKeyAuthParameters: {ApiKeyName: n, ApiKeyValue: v}\n      BasicAuthParameters: {Username: u, Password: p}\n", "line 6: Connections[0].AuthParameters.BasicAuthParameters: not used with AuthorizationType API_KEY"},
		{"oauth incomplete", "Connections:\n  - Name: c\n    AuthorizationType: OAUTH_CLIENT_CREDENTIALS\n    AuthParameters:\n      OAuthParameters: {HttpMethod: PATCH}\n", "line 5: Connections[0].AuthParameters.OAuthParameters.ClientParameters: required\n" +
			"line 5: Connections[0].AuthParameters.OAuthParameters.AuthorizationEndpoint: required\n" +
			`line 5: Connections[0].AuthParameters.OAuthParameters.HttpMethod: must be one of GET, POST, PUT, got "PATCH"`},
		{"connection parameter without key", "Connections:\n  - Name: c\n    AuthorizationType: BASIC\n    AuthParameters:\n      BasicAuthParameters: {Username: u, Password: p}\n      InvocationHttpParameters: {BodyParameters: [{Value: v}]}\n", "line 6: Connections[0].AuthParameters.InvocationHttpParameters.BodyParameters[0].Key: required"},
		{"api destination without anything", "ApiDestinations:\n  - Name: d\n", "line 2: ApiDestinations[0]: needs Connection or ConnectionArn\n" +
			"line 2: ApiDestinations[0].InvocationEndpoint: required\n" +
			"line 2: ApiDestinations[0].HttpMethod: required"},
		{"api destination with both connections", "ApiDestinations:\n  - Name: d\n    Connection: c\n    ConnectionArn: arn\n    InvocationEndpoint: https://x\n    HttpMethod: POST\n", "line 2: ApiDestinations[0]: has both Connection and ConnectionArn, give one"},
		{"api destination with undefined connection", "ApiDestinations:\n  - Name: d\n    Connection: nope\n    InvocationEndpoint: https://x\n    HttpMethod: POST\n", `line 3: ApiDestinations[0].Connection: connection "nope" is not defined in Connections`},
		{"function without command or url", "Functions:\n  - Name: f\n", "line 2: Functions[0]: needs Command or Url"},
		{"function with both", "Functions:\n  - Name: f\n    Command: [a]\n    Url: http://x\n", "line 2: Functions[0]: has both Command and Url, give one"},
		{"function with empty program", "Functions:\n  - Name: f\n    Command: [\"\", a]\n", "line 3: Functions[0].Command[0]: the program to run is empty"},
		{"queue without name", "Queues:\n  - FifoQueue: true\n", "line 2: Queues[0].Name: required"},

		// Enumerations.
		{"state", rule2("    State: enabled\n"), `line 4: Rules[0].State: must be one of ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, got "enabled"`},
		{"authorization type", "Connections:\n  - Name: c\n    AuthorizationType: TOKEN\n", `line 3: Connections[0].AuthorizationType: must be one of BASIC, API_KEY, OAUTH_CLIENT_CREDENTIALS, got "TOKEN"`},
		{"api destination method", "ApiDestinations:\n  - Name: d\n    ConnectionArn: arn\n    InvocationEndpoint: https://x\n    HttpMethod: post\n", `line 5: ApiDestinations[0].HttpMethod: must be one of POST, GET, HEAD, OPTIONS, PUT, PATCH, DELETE, got "post"`},

		// Ranges and formats.
		{"retry attempts", "Rules:\n  - Name: a\n    ScheduleExpression: rate(1 hour)\n  - Name: b\n    ScheduleExpression: rate(1 hour)\n  - Name: c\n    ScheduleExpression: rate(1 hour)\n    Targets:\n      - Id: t\n        Arn: a\n        RetryPolicy: {MaximumRetryAttempts: 186}\n", "line 11: Rules[2].Targets[0].RetryPolicy.MaximumRetryAttempts: must be between 0 and 185, got 186"},
		{"event age", rule("      - Id: t\n        Arn: a\n        RetryPolicy:\n          MaximumEventAgeInSeconds: 59\n"), "line 8: Rules[0].Targets[0].RetryPolicy.MaximumEventAgeInSeconds: must be between 60 and 86400, got 59"},
		{"too many targets", rule("      - {Id: a, Arn: a}\n      - {Id: b, Arn: a}\n      - {Id: c, Arn: a}\n      - {Id: d, Arn: a}\n      - {Id: e, Arn: a}\n      - {Id: f, Arn: a}\n"), "line 4: Rules[0].Targets: at most 5 targets per rule, got 6"},
		{"timeout too long", "Functions:\n  - Name: f\n    Url: http://x\n    Timeout: 16m\n", "line 4: Functions[0].Timeout: must be more than 0s and at most 15m0s, got 16m0s"},
		{"timeout zero", "Functions:\n  - Name: f\n    Url: http://x\n    Timeout: 0s\n", "line 4: Functions[0].Timeout: must be more than 0s and at most 15m0s, got 0s"},
		{"concurrency zero", "Functions:\n  - Name: f\n    Url: http://x\n    Concurrency: 0\n", "line 4: Functions[0].Concurrency: must be at least 1, got 0"},
		{"function url", "Functions:\n  - Name: f\n    Url: 127.0.0.1:9000\n", `line 3: Functions[0].Url: must be an http:// or https:// URL, got "127.0.0.1:9000"`},
		{"environment name", "Functions:\n  - Name: f\n    Url: http://x\n    Environment: {\"A=B\": c}\n", `line 4: Functions[0].Environment["A=B"]: invalid environment variable name "A=B"`},
		{"rate limit zero", "ApiDestinations:\n  - Name: d\n    ConnectionArn: arn\n    InvocationEndpoint: https://x\n    HttpMethod: POST\n    InvocationRateLimitPerSecond: 0\n", "line 6: ApiDestinations[0].InvocationRateLimitPerSecond: must be at least 1, got 0"},
		{"endpoint scheme", "ApiDestinations:\n  - Name: d\n    ConnectionArn: arn\n    InvocationEndpoint: ftp://x\n    HttpMethod: POST\n", `line 4: ApiDestinations[0].InvocationEndpoint: must be an http:// or https:// URL, got "ftp://x"`},
		{"fifo name without fifo", "Queues:\n  - Name: q.fifo\n", "line 2: Queues[0].Name: ends in .fifo, which only FIFO queues do (set FifoQueue: true)"},
		{"fifo without fifo name", "Queues:\n  - Name: q\n    FifoQueue: true\n", "line 2: Queues[0].Name: the name of a FIFO queue must end in .fifo"},
		{"fifo in attributes", "Queues:\n  - Name: q\n    Attributes: {FifoQueue: \"true\"}\n", "line 3: Queues[0].Attributes.FifoQueue: set FifoQueue beside Attributes, not in it"},

		// Duplicates.
		{"duplicate access key", "AccessKeys:\n  - {AccessKeyId: A, SecretAccessKey: s}\n  - {AccessKeyId: A, SecretAccessKey: t}\n", `line 3: AccessKeys[1].AccessKeyId: access key "A" is already defined at AccessKeys[0]`},
		{"duplicate bus", "EventBuses:\n  - Name: b\n  - Name: c\n  - Name: b\n", `line 4: EventBuses[2].Name: event bus "b" is already defined at EventBuses[0]`},
		{"duplicate rule on a bus", "Rules:\n  - Name: r\n    ScheduleExpression: rate(1 hour)\n  - Name: r\n    EventBusName: default\n    ScheduleExpression: rate(1 hour)\n", `line 4: Rules[1].Name: rule "r" on event bus "default" is already defined at Rules[0]`},
		{"duplicate target", rule("      - {Id: a, Arn: a}\n      - {Id: a, Arn: b}\n"), `line 6: Rules[0].Targets[1].Id: target "a" is already defined at Rules[0].Targets[0]`},
		{"duplicate connection", "Connections:\n  - {Name: c, AuthorizationType: BASIC, AuthParameters: {BasicAuthParameters: {Username: u, Password: p}}}\n  - {Name: c, AuthorizationType: BASIC, AuthParameters: {BasicAuthParameters: {Username: u, Password: p}}}\n", `line 3: Connections[1].Name: connection "c" is already defined at Connections[0]`},
		{"duplicate api destination", "ApiDestinations:\n  - {Name: d, ConnectionArn: a, InvocationEndpoint: https://x, HttpMethod: GET}\n  - {Name: d, ConnectionArn: a, InvocationEndpoint: https://x, HttpMethod: GET}\n", `line 3: ApiDestinations[1].Name: API destination "d" is already defined at ApiDestinations[0]`},
		{"duplicate function", "Functions:\n  - {Name: f, Url: http://x}\n  - {Name: f, Url: http://x}\n", `line 3: Functions[1].Name: function "f" is already defined at Functions[0]`},
		{"duplicate queue", "Queues:\n  - Name: q\n  - Name: q\n", `line 3: Queues[1].Name: queue "q" is already defined at Queues[0]`},
		{"duplicate bus tag", "EventBuses:\n  - Name: b\n    Tags:\n      - {Key: a, Value: \"1\"}\n      - {Key: a, Value: \"2\"}\n", `line 5: EventBuses[0].Tags[1].Key: tag "a" is already defined at EventBuses[0].Tags[0]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.yaml), testEnv)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error %q", tt.yaml, f, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse(%q) error =\n%s\nwant\n%s", tt.yaml, got, tt.want)
			}
		})
	}
}

// rule wraps target items in a valid rule.
func rule(targets string) string {
	return "Rules:\n  - Name: r\n    ScheduleExpression: rate(1 hour)\n    Targets:\n" + targets
}

// rule2 adds keys to a valid rule.
func rule2(keys string) string {
	return "Rules:\n  - Name: r\n    ScheduleExpression: rate(1 hour)\n" + keys
}
