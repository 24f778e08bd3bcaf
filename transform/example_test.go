package transform_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/trailbridge/trailbridge/transform"
)

const event = `{"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602","detail-type":"EC2 Instance State-change Notification",` +
	`"source":"aws.ec2","account":"123456789012","time":"2015-11-11T21:29:54Z","region":"us-east-1",` +
	`"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],"detail":{"instance-id":"i-0123456789","state":"RUNNING"}}`

var rule = transform.Context{
	RuleArn:       "arn:aws:events:us-east-1:123456789012:rule/example",
	RuleName:      "example",
	IngestionTime: time.Date(2015, 11, 11, 21, 29, 54, 250e6, time.UTC),
}

func str(s string) *string { return &s }

// A JSON template: bare placeholders take JSON values, quoted ones text.
func ExampleCompile() {
	tr, err := transform.Compile(transform.Spec{
		InputPathsMap: map[string]string{"instance": "$.detail.instance-id", "state": "$.detail.state"},
		InputTemplate: str(`{"instance": <instance>, "status": "<instance> is <state>", "rule": <aws.events.rule-name>}`),
	})
	if err != nil {
		panic(err)
	}
	payload, ok, err := tr.Apply([]byte(event), rule)
	fmt.Println(string(payload), ok, err)
	// Output: {"instance":"i-0123456789","status":"i-0123456789 is RUNNING","rule":"example"} true <nil>
}

// A string template is delivered with its quotes; objects and lists lose
// theirs inside it.
func ExampleTransformer_Apply_stringTemplate() {
	tr, err := transform.Compile(transform.Spec{
		InputPathsMap: map[string]string{"detail": "$.detail", "resources": "$.resources"},
		InputTemplate: str(`"<detail> on <resources> at <aws.events.event.ingestion-time>"`),
	})
	if err != nil {
		panic(err)
	}
	payload, _, _ := tr.Apply([]byte(event), rule)
	fmt.Println(string(payload))
	// Output: "{instance-id:i-0123456789,state:RUNNING} on [arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111] at 2015-11-11T21:29:54.250Z"
}

// An object placed inside quotes does not make JSON: EventBridge delivers
// nothing, and reports no error.
func ExampleTransformer_Apply_notDelivered() {
	tr, err := transform.Compile(transform.Spec{
		InputPathsMap: map[string]string{"detail": "$.detail"},
		InputTemplate: str(`{"detail": "<detail>"}`),
	})
	if err != nil {
		panic(err)
	}
	payload, ok, err := tr.Apply([]byte(event), rule)
	fmt.Println(payload == nil, ok, err)
	// Output: true false <nil>
}

// PutTargets' errors name the target, which Compile does not know: the
// caller formats AWS's message.
func ExampleInvalidPlaceholderError() {
	_, err := transform.Compile(transform.Spec{
		InputPathsMap: map[string]string{"state": "$.detail.state"},
		InputTemplate: str(`"<instance> is <state>"`),
	})
	var te transform.TargetError
	if errors.As(err, &te) {
		fmt.Println(te.Code()+":", te.Message("my-target"))
	}
	// Output: ValidationException: InputTemplate for target my-target contains invalid placeholder instance.
}

func ExamplePath() {
	v, found, err := transform.Path([]byte(event), "$.resources[0]")
	fmt.Println(string(v), found, err)
	v, found, err = transform.Path([]byte(event), "$.detail.*")
	fmt.Println(string(v), found, err)
	_, found, err = transform.Path([]byte(event), "$.detail.missing")
	fmt.Println(found, err)
	// Output:
	// "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111" true <nil>
	// ["i-0123456789","RUNNING"] true <nil>
	// false <nil>
}
