package transform

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// Limits of EventBridge's API model for a target's input settings.
const (
	MaxInputLength     = 8192 // Input
	MaxTemplateLength  = 8192 // InputTemplate (at least 1)
	MaxPathsMapEntries = 100  // InputPathsMap
	MaxPathsMapKey     = 256  // InputPathsMap keys (at least 1)
)

// checkConstraints applies the API model's limits, in the order of the
// model's members. AWS lists every violation; this reports the first.
func checkConstraints(s Spec) error {
	if s.Input != nil {
		if err := maxLen("input", *s.Input, MaxInputLength); err != nil {
			return err
		}
	}
	if s.InputPath != nil {
		if err := maxLen("inputPath", *s.InputPath, MaxPathLength); err != nil {
			return err
		}
	}
	if s.InputTemplate == nil {
		if s.InputPathsMap != nil {
			return &ConstraintError{Member: "inputTransformer.inputTemplate", Value: "null", Constraint: "Member must not be null"}
		}
		return nil
	}
	if len(s.InputPathsMap) > MaxPathsMapEntries {
		return &ConstraintError{Member: "inputTransformer.inputPathsMap", Value: "{...}",
			Constraint: "Member must have length less than or equal to " + strconv.Itoa(MaxPathsMapEntries)}
	}
	keys := make([]string, 0, len(s.InputPathsMap))
	for k := range s.InputPathsMap {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a stable report for a map
	for _, k := range keys {
		const member = "inputTransformer.inputPathsMap.key"
		if k == "" {
			return &ConstraintError{Member: member, Value: k, Constraint: "Member must have length greater than or equal to 1"}
		}
		if err := maxLen(member, k, MaxPathsMapKey); err != nil {
			return err
		}
		// The pattern also keeps keys from starting with "AWS." and from
		// naming a predefined variable: neither can contain a dot.
		for i := 0; i < len(k); i++ {
			if c := k[i]; c == '.' || !isNameChar(c) {
				return &ConstraintError{Member: member, Value: k, Constraint: `Member must satisfy regular expression pattern: [A-Za-z0-9\_\-]+`}
			}
		}
		if err := maxLen("inputTransformer.inputPathsMap.value", s.InputPathsMap[k], MaxPathLength); err != nil {
			return err
		}
	}
	if *s.InputTemplate == "" {
		return &ConstraintError{Member: "inputTransformer.inputTemplate", Value: "", Constraint: "Member must have length greater than or equal to 1"}
	}
	return maxLen("inputTransformer.inputTemplate", *s.InputTemplate, MaxTemplateLength)
}

// maxLen counts characters, as AWS's limits do, not bytes.
func maxLen(member, v string, limit int) error {
	if len(v) <= limit || utf8.RuneCountInString(v) <= limit {
		return nil
	}
	return &ConstraintError{Member: member, Value: v, Constraint: "Member must have length less than or equal to " + strconv.Itoa(limit)}
}
