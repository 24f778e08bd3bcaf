package democloud

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseForm checks that the query-protocol form parser and binder
// never panic, and that what they accept is bound consistently: a form
// that parses binds into every input shape or fails with an error.
func FuzzParseForm(f *testing.F) {
	for _, s := range []string{
		"UserName=alice&Tags.member.1.Key=team&Tags.member.1.Value=red",
		"ImageId=ami-1&MinCount=1&MaxCount=2&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=owner&TagSpecification.1.Tag.1.Value=a",
		"InstanceId.1=i-1&InstanceId.2=i-2",
		"Filter.1.Name=tag%3Aowner&Filter.1.Value.1=a",
		"DBSnapshotIdentifier=s&Tags.Tag.1.Key=k&Tags.Tag.1.Value=v",
		"InstanceId.1000=i-1",
		"InstanceId.1001=i-1",
		"a.b=1&a=2",
		"a..b=1",
		"a.1=1&a.b=2",
		"MinCount=99999999999999999999",
		"PasswordResetRequired=maybe",
	} {
		f.Add(s)
	}
	inputs := []func() any{
		func() any { return new(createUserInput) },
		func() any { return new(loginProfileInput) },
		func() any { return new(runInstancesInput) },
		func() any { return new(instanceIDsInput) },
		func() any { return new(describeInstancesInput) },
		func() any { return new(createDBSnapshotInput) },
		func() any { return new(copyDBSnapshotInput) },
	}
	f.Fuzz(func(t *testing.T, form string) {
		values, err := url.ParseQuery(form)
		if err != nil {
			return
		}
		tree, err := parseForm(values)
		if err != nil {
			return
		}
		for k := range values {
			// Every key that parsed is reachable in the tree.
			n := tree
			for seg := range strings.SplitSeq(k, ".") {
				i, err := strconv.Atoi(seg)
				if err == nil && n.items != nil {
					n = n.items[i]
				} else {
					n = n.members[seg]
				}
				if n == nil {
					t.Fatalf("key %q: lost in the tree at %q", k, seg)
				}
			}
			if n.value == nil || *n.value != values.Get(k) {
				t.Fatalf("key %q: value %v, want %q", k, n.value, values.Get(k))
			}
		}
		for _, in := range inputs {
			bindForm(tree, in()) // must not panic
		}
	})
}
