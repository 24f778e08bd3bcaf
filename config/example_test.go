package config_test

import (
	"fmt"
	"os"

	"github.com/trailbridge/trailbridge/config"
)

func ExampleParse() {
	text := `
EventBuses:
  - Name: orders
Rules:
  - Name: big-orders
    EventBusName: orders
    EventPattern:
      source: [shop]
      detail: {total: [{numeric: [">", 1000]}]}
    Targets:
      - Id: alert
        Arn: arn:aws:sqs:us-east-1:000000000000:alerts
        Input: {text: big order}
Queues:
  - Name: alerts
`
	f, err := config.Parse([]byte(text), os.LookupEnv)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := f.Rules[0]
	fmt.Println(r.Key, r.Name, r.State)
	fmt.Println(r.EventPattern)
	fmt.Println(*r.Targets[0].Input)
	// Output:
	// Rules[0] big-orders ENABLED
	// {"source":["shop"],"detail":{"total":[{"numeric":[">",1000]}]}}
	// {"text":"big order"}
}

func ExampleParse_errors() {
	text := `
Rules:
  - Name: new-iam-user
    EventPattern: {source: [aws.iam]}
    Targets:
      - Id: disable
        Arn: arn:aws:lambda:us-east-1:000000000000:function:disable-user
        RetryPolicy: {MaximumRetryAttempts: 200}
  - Name: nightly
    Description: the schedule is missing
`
	_, err := config.Parse([]byte(text), os.LookupEnv)
	fmt.Println(err)
	// Output:
	// line 8: Rules[0].Targets[0].RetryPolicy.MaximumRetryAttempts: must be between 0 and 185, got 200
	// line 9: Rules[1]: needs EventPattern or ScheduleExpression
}

func ExampleFile_Validate() {
	f := &config.File{Functions: []config.Function{{Name: "resize", Url: "http://127.0.0.1:9000/"}}}
	fmt.Println(f.Validate())
	// Output:
	// Functions[0].Timeout: must be more than 0s and at most 15m0s, got 0s
	// Functions[0].Concurrency: must be at least 1, got 0
}
