package config

import (
	"encoding/json"

	"github.com/goccy/go-yaml/ast"

	"github.com/trailbridge/trailbridge"
)

// EventBridge's bounds of a target's RetryPolicy.
const (
	maxRetryAttempts = 185
	minEventAge      = 60
	maxEventAge      = 86400
)

func (d *decoder) target(path string, n ast.Node) trailbridge.Target {
	var t trailbridge.Target
	d.object(path, n, fields{
		"Id":        d.str(&t.Id),
		"Arn":       d.str(&t.Arn),
		"RoleArn":   d.str(&t.RoleArn),
		"Input":     d.input(&t.Input),
		"InputPath": d.strPtr(&t.InputPath),
		"InputTransformer": block(d, &t.InputTransformer, func(x *trailbridge.InputTransformer) fields {
			return fields{
				"InputPathsMap": d.strMap(&x.InputPathsMap),
				"InputTemplate": d.str(&x.InputTemplate),
			}
		}),
		"RetryPolicy": block(d, &t.RetryPolicy, func(x *trailbridge.RetryPolicy) fields {
			return fields{
				"MaximumRetryAttempts":     d.intPtr(&x.MaximumRetryAttempts),
				"MaximumEventAgeInSeconds": d.intPtr(&x.MaximumEventAgeInSeconds),
			}
		}),
		"DeadLetterConfig": block(d, &t.DeadLetterConfig, func(x *trailbridge.DeadLetterConfig) fields {
			return fields{"Arn": d.str(&x.Arn)}
		}),
		"SqsParameters": block(d, &t.SqsParameters, func(x *trailbridge.SqsParameters) fields {
			return fields{"MessageGroupId": d.str(&x.MessageGroupId)}
		}),
		"HttpParameters": block(d, &t.HttpParameters, func(x *trailbridge.HttpParameters) fields {
			return fields{
				"PathParameterValues":   d.strList(&x.PathParameterValues),
				"HeaderParameters":      d.strMap(&x.HeaderParameters),
				"QueryStringParameters": d.strMap(&x.QueryStringParameters),
			}
		}),
		// Kept as JSON for the kinds trailbridge stores but does not run.
		"KinesisParameters":           d.rawJSON(&t.KinesisParameters),
		"EcsParameters":               d.rawJSON(&t.EcsParameters),
		"BatchParameters":             d.rawJSON(&t.BatchParameters),
		"RunCommandParameters":        d.rawJSON(&t.RunCommandParameters),
		"RedshiftDataParameters":      d.rawJSON(&t.RedshiftDataParameters),
		"SageMakerPipelineParameters": d.rawJSON(&t.SageMakerPipelineParameters),
		"AppSyncParameters":           d.rawJSON(&t.AppSyncParameters),
	})
	return t
}

// block decodes an optional nested mapping into a new *T; null leaves dst
// nil, so that "RetryPolicy:" alone means no policy.
func block[T any](d *decoder, dst **T, fs func(*T) fields) field {
	return func(p string, n ast.Node) {
		v, ok := d.resolve(p, n)
		if !ok || v == nil {
			return
		}
		x := new(T)
		d.object(p, v, fs(x))
		*dst = x
	}
}

func (c *checker) targets(path string, targets []trailbridge.Target) {
	if len(targets) > maxTargets {
		c.errorf(path, "at most %d targets per rule, got %d", maxTargets, len(targets))
	}
	seen := map[string]string{}
	for i, t := range targets {
		p := index(path, i)
		c.required(p, "Id", t.Id)
		c.required(p, "Arn", t.Arn)
		c.unique(seen, t.Id, child(p, "Id"), p, "target "+quoted(t.Id))
		if rp := t.RetryPolicy; rp != nil {
			rpp := child(p, "RetryPolicy")
			c.between(child(rpp, "MaximumRetryAttempts"), rp.MaximumRetryAttempts, 0, maxRetryAttempts)
			c.between(child(rpp, "MaximumEventAgeInSeconds"), rp.MaximumEventAgeInSeconds, minEventAge, maxEventAge)
		}
		for _, raw := range []struct {
			key  string
			text json.RawMessage
		}{
			{"KinesisParameters", t.KinesisParameters},
			{"EcsParameters", t.EcsParameters},
			{"BatchParameters", t.BatchParameters},
			{"RunCommandParameters", t.RunCommandParameters},
			{"RedshiftDataParameters", t.RedshiftDataParameters},
			{"SageMakerPipelineParameters", t.SageMakerPipelineParameters},
			{"AppSyncParameters", t.AppSyncParameters},
		} {
			c.json(child(p, raw.key), string(raw.text))
		}
	}
}
