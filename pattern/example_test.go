package pattern_test

import (
	"errors"
	"fmt"

	"github.com/trailbridge/trailbridge/pattern"
)

func ExampleMatcher() {
	m := pattern.NewMatcher()
	// Rules as security teams write them against CloudTrail events.
	m.Add("new-iam-user", []byte(`{"source":["aws.iam"],"detail":{"eventName":["CreateUser"]}}`))
	m.Add("public-bucket", []byte(`{"source":["aws.s3"],"detail":{"eventName":["PutBucketPolicy"]}}`))
	m.Add("console-errors", []byte(`{"detail":{"errorCode":[{"exists":true}],"userAgent":[{"prefix":"console"}]}}`))

	event := []byte(`{"source":"aws.iam","detail-type":"AWS API Call via CloudTrail",
		"detail":{"eventName":"CreateUser","userAgent":"console.amazonaws.com","errorCode":"AccessDenied"}}`)
	ids, err := m.Match(event)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(ids), "rules match")
	// Output: 2 rules match
}

func ExampleValidate() {
	err := pattern.Validate([]byte(`{"detail":{"state":[{"anything-but":{"prefix":""}}]}}`))
	var invalid *pattern.InvalidPatternError
	if errors.As(err, &invalid) {
		fmt.Println(invalid.Reason)
	}
	// Output: Null prefix/suffix not allowed
}

func ExampleTest() {
	ok, err := pattern.Test(
		[]byte(`{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}]}}`),
		[]byte(`{"id":"1","account":"1","source":"s","time":"t","region":"r","detail-type":"d","detail":{"c-count":5}}`))
	fmt.Println(ok, err)
	// Output: true <nil>
}
