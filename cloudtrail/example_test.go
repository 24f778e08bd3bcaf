package cloudtrail_test

import (
	"encoding/json"
	"fmt"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

func ExampleRecord_Envelope() {
	r := cloudtrail.Record{
		EventVersion: cloudtrail.Version,
		UserIdentity: &cloudtrail.UserIdentity{Type: cloudtrail.IdentityIAMUser, UserName: "alice", AccountID: "000000000000"},
		EventTime:    "2026-11-26T12:00:00Z", EventSource: "iam.amazonaws.com", EventName: "CreateUser",
		AWSRegion: "us-east-1", EventID: "7a1d7c1e-8f0e-4c4f-9f7e-0b3f5b1f6a11", EventType: cloudtrail.EventTypeAPICall,
		ReadOnly: cloudtrail.Bool(false), ManagementEvent: cloudtrail.Bool(true), EventCategory: cloudtrail.CategoryManagement,
		RequestParameters: json.RawMessage(`{"userName":"bob"}`), RecipientAccountID: "000000000000",
	}
	env, err := r.Envelope()
	if err != nil {
		panic(err)
	}
	fmt.Println(env.DetailType, env.Source, env.Account, env.Time)
	// Output: AWS API Call via CloudTrail aws.iam 000000000000 2026-11-26T12:00:00Z
}
