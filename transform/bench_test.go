package transform

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// cloudTrailEvent is a typical "AWS API Call via CloudTrail" envelope
// (2.3 KB), the kind of event trailbridge routes most.
func cloudTrailEvent(b *testing.B) []byte {
	ev, err := os.ReadFile(filepath.Join("testdata", "cloudtrail_event.json"))
	if err != nil {
		b.Fatal(err)
	}
	return ev
}

var benchPaths = map[string]string{
	"user":   "$.detail.userIdentity.arn",
	"action": "$.detail.eventName",
	"bucket": "$.detail.requestParameters.bucketName",
}

// BenchmarkApply shapes a CloudTrail event with a 3-path transformer, the
// common case, and with the other kinds of settings for comparison.
func BenchmarkApply(b *testing.B) {
	ev := cloudTrailEvent(b)
	ctx := Context{RuleArn: "arn:aws:events:us-east-1:123456789012:rule/audit", RuleName: "audit", IngestionTime: time.Now()}
	for _, bb := range []struct {
		name string
		spec Spec
	}{
		{"json-template-3-paths", Spec{InputPathsMap: benchPaths,
			InputTemplate: ptr(`{"user": <user>, "action": <action>, "bucket": "<bucket>"}`)}},
		{"string-template-3-paths", Spec{InputPathsMap: benchPaths,
			InputTemplate: ptr(`"<user> called <action> on <bucket>"`)}},
		{"predefined-event", Spec{InputTemplate: ptr(`{"rule": <aws.events.rule-name>, "event": <aws.events.event>}`)}},
		{"input-path", Spec{InputPath: ptr("$.detail.requestParameters")}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			tr, err := Compile(bb.spec)
			if err != nil {
				b.Fatal(err)
			}
			if _, ok, err := tr.Apply(ev, ctx); err != nil || !ok {
				b.Fatalf("Apply: %v %v", ok, err)
			}
			b.SetBytes(int64(len(ev)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := tr.Apply(ev, ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPath(b *testing.B) {
	ev := cloudTrailEvent(b)
	b.SetBytes(int64(len(ev)))
	b.ReportAllocs()
	for b.Loop() {
		if _, found, err := Path(ev, "$.detail.userIdentity.arn"); err != nil || !found {
			b.Fatal(found, err)
		}
	}
}
