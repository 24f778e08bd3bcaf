package router

import (
	"bytes"
	"encoding/json"
	"strings"
)

// ReadOnlyManagementEvent reports whether an event is a read-only management
// event delivered through CloudTrail, which only rules in state
// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS receive: one whose record
// says readOnly: true, or whose name starts Get, List or Describe (the rule
// EventBridge documents, which also catches records without the flag).
// STS GetFederationToken and GetSessionToken mint credentials and always
// count as changes, as EventBridge documents.
func ReadOnlyManagementEvent(event []byte) bool {
	if !bytes.Contains(event, []byte("via CloudTrail")) {
		return false
	}
	var ev struct {
		DetailType string `json:"detail-type"`
		Detail     struct {
			ReadOnly        *bool  `json:"readOnly"`
			ManagementEvent *bool  `json:"managementEvent"`
			EventName       string `json:"eventName"`
			EventSource     string `json:"eventSource"`
		} `json:"detail"`
	}
	if json.Unmarshal(event, &ev) != nil || ev.DetailType != "AWS API Call via CloudTrail" {
		return false
	}
	d := ev.Detail
	if d.ManagementEvent != nil && !*d.ManagementEvent {
		return false
	}
	if d.EventSource == "sts.amazonaws.com" && (d.EventName == "GetFederationToken" || d.EventName == "GetSessionToken") {
		return false
	}
	if d.ReadOnly != nil && *d.ReadOnly {
		return true
	}
	for _, p := range []string{"Get", "List", "Describe"} {
		if strings.HasPrefix(d.EventName, p) {
			return true
		}
	}
	return false
}
