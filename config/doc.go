// Package config owns trailbridge's declarative configuration file, the
// YAML given to `trailbridge serve --config`: it reads the file, expands
// ${NAME} references from the environment, checks its shape and the rules
// that only the file itself can know (required keys, enumerations, ranges,
// duplicates, references between its sections) and returns typed values.
//
// Keys are AWS's own field names, so that snippets of CloudFormation or of
// the aws CLI's JSON can be pasted in. Every problem is reported with the
// key it concerns, as a path such as Rules[2].Targets[0].Arn, and the line
// it is on.
//
// The package does not apply the file, and it leaves to the AWS API layer
// what that layer already checks with AWS's exact messages (name syntax,
// the event-pattern and schedule languages, input-template placeholders).
// Each top-level item keeps its path in its Key field so that the caller
// can prefix the API layer's errors with it.
package config
