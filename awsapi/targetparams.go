package awsapi

import (
	"encoding/json"
	"fmt"
	"strings"

	tb "github.com/trailbridge/trailbridge"
)

// The parameters of target kinds trailbridge stores without acting on them
// (ECS tasks, Batch jobs, Run Command, Redshift, SageMaker, AppSync) are
// read with every member the API model gives them, so that unknown members
// are refused as elsewhere, and checked against the model's constraints,
// so that a configuration PutTargets takes here is one AWS takes too.

type ecsParameters struct {
	TaskDefinitionArn    *string
	TaskCount            *int
	LaunchType           *string
	NetworkConfiguration *struct {
		AwsvpcConfiguration *awsvpcConfiguration `json:"awsvpcConfiguration"`
	}
	PlatformVersion          *string
	Group                    *string
	CapacityProviderStrategy []struct {
		CapacityProvider *string `json:"capacityProvider"`
		Weight           *int    `json:"weight"`
		Base             *int    `json:"base"`
	}
	EnableECSManagedTags *bool
	EnableExecuteCommand *bool
	PlacementConstraints []struct {
		Type       *string `json:"type"`
		Expression *string `json:"expression"`
	}
	PlacementStrategy []struct {
		Type  *string `json:"type"`
		Field *string `json:"field"`
	}
	PropagateTags *string
	ReferenceId   *string
	Tags          []struct{ Key, Value *string }
}

type awsvpcConfiguration struct {
	Subnets        []string
	SecurityGroups []string
	AssignPublicIp *string
}

type batchParameters struct {
	JobDefinition   *string
	JobName         *string
	ArrayProperties *struct{ Size *int }
	RetryStrategy   *struct{ Attempts *int }
}

type runCommandParameters struct {
	RunCommandTargets []struct {
		Key    *string
		Values []string
	}
}

type redshiftDataParameters struct {
	SecretManagerArn *string
	Database         *string
	DbUser           *string
	Sql              *string
	StatementName    *string
	WithEvent        *bool
	Sqls             []string
}

type sageMakerPipelineParameters struct {
	PipelineParameterList []struct{ Name, Value *string }
}

type appSyncParameters struct{ GraphQLOperation *string }

var (
	reRunCommandKey    = modelPattern(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	reRedshiftSecret   = modelPattern(`(^arn:aws([a-z]|\-)*:secretsmanager:[a-z0-9-.]+:.*)|(\$(\.[\w_-]+(\[(\d+|\*)\])*)*)`)
	reSageMakerParam   = modelPattern(`^[a-zA-Z0-9](-*[a-zA-Z0-9])*$`)
	runCommandValue    = strShape{min: 1, max: 256, hasMin: true}
	headerKeyShape     = strShape{max: 512, re: reHeaderKey}
	headerValueShape   = strShape{max: 512, re: reHeaderValue}
	queryKeyShape      = strShape{max: 512, re: reQueryKey}
	queryValueShape    = strShape{max: 512, re: reQueryValue}
	pathsMapKeyShape   = strShape{min: 1, max: 256, hasMin: true, re: reInputPathsKey}
	pathsMapValShape   = strShape{max: 256}
	pathParamShape     = strShape{pattern: `^(?!\s*$).+`, match: notBlankLine}
	eventResourceShape = strShape{max: 2048}
)

// notBlankLine is the model's ^(?!\s*$).+ as Java runs it: at least one
// character, none a line terminator, not all whitespace.
func notBlankLine(s string) bool {
	if s == "" || strings.ContainsAny(s, "\n\r\u0085\u2028\u2029") {
		return false
	}
	return strings.Trim(s, " \t\x0b\f") != ""
}

// kindParams are a target's parameters of the kinds stored without acting
// on them, as read; nil for those it does not have.
type kindParams struct {
	ecs   *ecsParameters
	batch *batchParameters
	rc    *runCommandParameters
	rs    *redshiftDataParameters
	sm    *sageMakerPipelineParameters
	as    *appSyncParameters
}

// readParams decodes raw (an object, or empty) strictly into a new T.
func readParams[T any](raw json.RawMessage, dst **T) error {
	if len(raw) == 0 {
		return nil
	}
	*dst = new(T)
	return decode(raw, *dst)
}

// readKindParams reads the parameters of the kinds stored without acting
// on them; errors are whole-request serialization errors.
func readKindParams(t *tb.Target) (*kindParams, error) {
	k := &kindParams{}
	for _, err := range []error{
		readParams(t.EcsParameters, &k.ecs), readParams(t.BatchParameters, &k.batch),
		readParams(t.RunCommandParameters, &k.rc), readParams(t.RedshiftDataParameters, &k.rs),
		readParams(t.SageMakerPipelineParameters, &k.sm), readParams(t.AppSyncParameters, &k.as),
	} {
		if err != nil {
			return nil, err
		}
	}
	return k, nil
}

// check adds the model's constraints these parameters break; p is the
// target's path ("targets.1.member.").
func (k *kindParams) check(v *violations, p string) {
	if ecs := k.ecs; ecs != nil {
		q := p + "ecsParameters."
		v.str(ecs.TaskDefinitionArn, q+"taskDefinitionArn", true, 1, 1600, nil)
		if ecs.TaskCount != nil && *ecs.TaskCount < 1 {
			v.add(quote(itoa(*ecs.TaskCount)), q+"taskCount", "Member must have value greater than or equal to 1")
		}
		v.enum(ecs.LaunchType, q+"launchType", "EC2", "FARGATE", "EXTERNAL")
		if nc := ecs.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil {
			a := nc.AwsvpcConfiguration
			if a.Subnets == nil {
				v.add("null", q+"networkConfiguration.awsvpcConfiguration.subnets", "Member must not be null")
			}
			v.enum(a.AssignPublicIp, q+"networkConfiguration.awsvpcConfiguration.assignPublicIp", "ENABLED", "DISABLED")
		}
		if n := len(ecs.CapacityProviderStrategy); n > 6 {
			v.add("'[...]'", q+"capacityProviderStrategy", "Member must have length less than or equal to 6")
		}
		for i, c := range ecs.CapacityProviderStrategy {
			r := fmt.Sprintf("%scapacityProviderStrategy.%d.member.", q, i+1)
			v.str(c.CapacityProvider, r+"capacityProvider", true, 1, 255, nil)
			v.intRange(c.Weight, r+"weight", 0, 1000)
			v.intRange(c.Base, r+"base", 0, 100000)
		}
		if len(ecs.PlacementConstraints) > 10 {
			v.add("'[...]'", q+"placementConstraints", "Member must have length less than or equal to 10")
		}
		for i, c := range ecs.PlacementConstraints {
			r := fmt.Sprintf("%splacementConstraints.%d.member.", q, i+1)
			v.enum(c.Type, r+"type", "distinctInstance", "memberOf")
			v.str(c.Expression, r+"expression", false, 0, 2000, nil)
		}
		if len(ecs.PlacementStrategy) > 5 {
			v.add("'[...]'", q+"placementStrategy", "Member must have length less than or equal to 5")
		}
		for i, s := range ecs.PlacementStrategy {
			r := fmt.Sprintf("%splacementStrategy.%d.member.", q, i+1)
			v.enum(s.Type, r+"type", "random", "spread", "binpack")
			v.str(s.Field, r+"field", false, 0, 255, nil)
		}
		v.enum(ecs.PropagateTags, q+"propagateTags", "TASK_DEFINITION")
		v.str(ecs.ReferenceId, q+"referenceId", false, 0, 1024, nil)
		for i, tag := range ecs.Tags {
			r := fmt.Sprintf("%stags.%d.member.", q, i+1)
			v.str(tag.Key, r+"key", true, 1, 128, nil)
			v.str(tag.Value, r+"value", true, 0, 256, nil)
		}
	}
	if batch := k.batch; batch != nil {
		v.str(batch.JobDefinition, p+"batchParameters.jobDefinition", true, 0, 0, nil)
		v.str(batch.JobName, p+"batchParameters.jobName", true, 0, 0, nil)
	}
	if rc := k.rc; rc != nil {
		q := p + "runCommandParameters.runCommandTargets"
		switch n := len(rc.RunCommandTargets); {
		case rc.RunCommandTargets == nil:
			v.add("null", q, "Member must not be null")
		case n < 1:
			v.add("'[]'", q, "Member must have length greater than or equal to 1")
		case n > 5:
			v.add("'[...]'", q, "Member must have length less than or equal to 5")
		}
		for i, rt := range rc.RunCommandTargets {
			r := fmt.Sprintf("%s.%d.member.", q, i+1)
			v.str(rt.Key, r+"key", true, 1, 128, reRunCommandKey)
			if rt.Values == nil {
				v.add("null", r+"values", "Member must not be null")
			}
			v.strList(rt.Values, r+"values", 1, 50, runCommandValue)
		}
	}
	if rs := k.rs; rs != nil {
		q := p + "redshiftDataParameters."
		v.str(rs.SecretManagerArn, q+"secretManagerArn", false, 1, 1600, reRedshiftSecret)
		v.str(rs.Database, q+"database", true, 1, 64, nil)
		v.str(rs.DbUser, q+"dbUser", false, 1, 128, nil)
		v.sensitive(rs.Sql, q+"sql", false, 1, 100000, nil)
		v.str(rs.StatementName, q+"statementName", false, 1, 500, nil)
		if len(rs.Sqls) > 40 {
			*v = append(*v, fmt.Sprintf("Value at '%ssqls' failed to satisfy constraint: Member must have length less than or equal to 40", q))
		}
	}
	if sm := k.sm; sm != nil {
		q := p + "sageMakerPipelineParameters.pipelineParameterList"
		if len(sm.PipelineParameterList) > 200 {
			v.add("'[...]'", q, "Member must have length less than or equal to 200")
		}
		for i, prm := range sm.PipelineParameterList {
			r := fmt.Sprintf("%s.%d.member.", q, i+1)
			v.str(prm.Name, r+"name", true, 1, 256, reSageMakerParam)
			v.str(prm.Value, r+"value", true, 0, 1024, nil)
		}
	}
	if as := k.as; as != nil {
		v.sensitive(as.GraphQLOperation, p+"appSyncParameters.graphQLOperation", false, 1, 1048576, nil)
	}
}

// needsRole reports whether AWS refuses a target of this ARN without a
// RoleArn, as it answers "RoleArn is required for target ARN." for
// CodePipeline pipelines, CodeBuild projects and Step Functions state
// machines, and as its guide says of Kinesis streams and ECS tasks.
func needsRole(t *tb.Target) bool {
	if t.RoleArn != "" {
		return false
	}
	if len(t.EcsParameters) > 0 {
		return true
	}
	parts := strings.SplitN(t.Arn, ":", 7)
	if len(parts) < 6 {
		return false
	}
	res := parts[5]
	switch parts[2] {
	case "codepipeline", "codebuild":
		return true
	case "states":
		return strings.HasPrefix(res, "stateMachine")
	case "kinesis":
		return strings.HasPrefix(res, "stream/")
	}
	return false
}

// isFIFOQueueARN reports an SQS queue ARN whose name marks a FIFO queue.
func isFIFOQueueARN(arn string) bool {
	parts := strings.Split(arn, ":")
	return len(parts) == 6 && parts[2] == "sqs" && strings.HasSuffix(parts[5], ".fifo")
}
