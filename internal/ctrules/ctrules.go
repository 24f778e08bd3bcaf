// Package ctrules gives benchmarks CloudTrail-style EventBridge traffic: the
// records of the shared CloudTrail log files wrapped in the "AWS API Call via
// CloudTrail" envelope, and any number of rules of the shapes security teams
// write against them, each with its own eventName, eventSource or principal.
package ctrules

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// record holds the fields of a CloudTrail record the envelope and the rules need.
type record struct {
	EventID      string `json:"eventID"`
	EventTime    string `json:"eventTime"`
	EventSource  string `json:"eventSource"`
	EventName    string `json:"eventName"`
	AWSRegion    string `json:"awsRegion"`
	Account      string `json:"recipientAccountId"`
	EventType    string `json:"eventType"`
	UserIdentity struct {
		ARN string `json:"arn"`
	} `json:"userIdentity"`
}

// Traffic is the events and what rules can refer to.
type Traffic struct {
	Events [][]byte
	// Calls are the distinct (eventSource, eventName) pairs, most frequent first.
	Calls [][2]string
	// Principals are the distinct userIdentity ARNs.
	Principals []string
}

// Load reads every CloudTrail log file in dir and wraps each record in the
// EventBridge envelope, as EventBridge delivers CloudTrail events.
func Load(dir string) (*Traffic, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no CloudTrail log files in %s", dir)
	}
	slices.Sort(files)
	t := &Traffic{}
	calls := map[[2]string]int{}
	principals := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var log struct{ Records []json.RawMessage }
		if err := json.Unmarshal(b, &log); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, raw := range log.Records {
			var r record
			if err := json.Unmarshal(raw, &r); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			e, err := cloudtrail.NewEnvelope(raw)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			e.ID = r.EventID // stable across runs
			env, err := json.Marshal(e)
			if err != nil {
				return nil, err
			}
			t.Events = append(t.Events, env)
			calls[[2]string{r.EventSource, r.EventName}]++
			if r.UserIdentity.ARN != "" {
				principals[r.UserIdentity.ARN] = true
			}
		}
	}
	for c := range calls {
		t.Calls = append(t.Calls, c)
	}
	slices.SortFunc(t.Calls, func(a, b [2]string) int {
		if d := calls[b] - calls[a]; d != 0 {
			return d
		}
		return strings.Compare(a[0]+a[1], b[0]+b[1])
	})
	for p := range principals {
		t.Principals = append(t.Principals, p)
	}
	slices.Sort(t.Principals)
	return t, nil
}

// Rules returns n rules. The first ones use the traffic's own calls and
// principals, so that they match; the rest use made-up names, as the rules
// of a large organisation watch for calls that do not happen every minute.
// Every rule names a distinct value, in one of three shapes.
func (t *Traffic) Rules(n int) []string {
	rules := make([]string, 0, n)
	for i := 0; i < n; i++ {
		var src, name, principal string
		if i < len(t.Calls) {
			src, name = t.Calls[i][0], t.Calls[i][1]
		} else {
			src = fmt.Sprintf("service%d.amazonaws.com", i%97)
			name = fmt.Sprintf("Operation%d", i)
		}
		if i < len(t.Principals) {
			principal = t.Principals[i]
		} else {
			principal = fmt.Sprintf("arn:aws:iam::123456789012:user/user%d", i)
		}
		service := strings.TrimSuffix(src, ".amazonaws.com")
		switch i % 3 {
		case 0: // a given API call
			rules = append(rules, fmt.Sprintf(`{"source":["aws.%s"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventSource":[%q],"eventName":[%q]}}`, service, src, name))
		case 1: // a given call, failing
			rules = append(rules, fmt.Sprintf(`{"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":[%q],"errorCode":[{"exists":true}]}}`, name))
		default: // what one principal writes
			rules = append(rules, fmt.Sprintf(`{"detail":{"userIdentity":{"arn":[%q]},"readOnly":[false]}}`, principal))
		}
	}
	return rules
}
