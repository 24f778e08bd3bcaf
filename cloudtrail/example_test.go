package cloudtrail_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

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

func ExampleReadLog() {
	log := `{"Records":[{"eventVersion":"1.08","eventName":"GetUser"},{"eventVersion":"1.08","eventName":"ListUsers"}]}`
	err := cloudtrail.ReadLog(strings.NewReader(log), func(record json.RawMessage) error {
		var r cloudtrail.Record
		if err := json.Unmarshal(record, &r); err != nil {
			return err
		}
		fmt.Println(r.EventName)
		return nil
	})
	fmt.Println(err)
	// Output:
	// GetUser
	// ListUsers
	// <nil>
}

func ExampleLogError() {
	err := cloudtrail.ReadLog(strings.NewReader("{\"Records\":[\n  {\"eventName\":\"GetUser\"},\n  {\"eventName\":}\n]}"),
		func(json.RawMessage) error { return nil })
	var le *cloudtrail.LogError
	if errors.As(err, &le) {
		fmt.Printf("file.json:%d:%d: %v\n", le.Line, le.Column, le.Err)
	}
	// Output: file.json:3:16: invalid character '}' looking for beginning of value
}

func ExampleLogWriter() {
	var file bytes.Buffer
	w := cloudtrail.NewLogWriter(&file)
	for _, r := range []string{`{"eventName":"GetUser"}`, `{"eventName":"ListUsers"}`} {
		if err := w.Write(json.RawMessage(r)); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	key := cloudtrail.NewLogKey("111122223333", "us-east-1", time.Date(2026, 11, 26, 12, 7, 0, 0, time.UTC))
	fmt.Println(key.Dir())
	n := 0
	_ = cloudtrail.ReadLog(&file, func(json.RawMessage) error { n++; return nil })
	fmt.Println(n, "records")
	// Output:
	// AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/26
	// 2 records
}

func ExampleParseLogKey() {
	k, err := cloudtrail.ParseLogKey("AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz")
	if err != nil {
		panic(err)
	}
	fmt.Println(k.Account, k.Region, k.Time.Format(time.RFC3339), k.Unique)
	// Output: 111122223333 us-east-2 2015-08-01T02:10:00Z Mu0KsOhtH1ar15ZZ
}
