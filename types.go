package trailbridge

import (
	"encoding/json"
	"time"
)

// DefaultBus is the event bus every account has.
const DefaultBus = "default"

// Rule states.
const (
	StateEnabled                       = "ENABLED"
	StateDisabled                      = "DISABLED"
	StateEnabledWithCloudTrailReadOnly = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
)

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Bus is an event bus.
type Bus struct {
	Name             string            `json:"Name"`
	Description      string            `json:"Description,omitempty"`
	KmsKeyIdentifier string            `json:"KmsKeyIdentifier,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`
	LogConfig        *LogConfig        `json:"LogConfig,omitempty"`
	Policy           string            `json:"Policy,omitempty"` // resource policy JSON, from PutPermission
	Tags             []Tag             `json:"Tags,omitempty"`
	CreationTime     time.Time         `json:"CreationTime"`
	LastModifiedTime time.Time         `json:"LastModifiedTime"`
}

// LogConfig says what a bus logs about the events it handles.
type LogConfig struct {
	IncludeDetail string `json:"IncludeDetail,omitempty"` // NONE | FULL
	Level         string `json:"Level,omitempty"`         // OFF | ERROR | INFO | TRACE
}

// Rule is a rule of a bus with its targets.
type Rule struct {
	Name               string    `json:"Name"`
	EventBusName       string    `json:"EventBusName"`
	EventPattern       string    `json:"EventPattern,omitempty"`
	ScheduleExpression string    `json:"ScheduleExpression,omitempty"`
	State              string    `json:"State"`
	Description        string    `json:"Description,omitempty"`
	RoleArn            string    `json:"RoleArn,omitempty"`
	ManagedBy          string    `json:"ManagedBy,omitempty"`
	CreatedBy          string    `json:"CreatedBy,omitempty"`
	Tags               []Tag     `json:"Tags,omitempty"`
	Targets            []Target  `json:"Targets,omitempty"`
	CreationTime       time.Time `json:"CreationTime"` // anchors rate schedules
}

// Target is where a rule sends matching events, with how to shape and
// deliver them. Field names are EventBridge's.
type Target struct {
	Id               string            `json:"Id"`
	Arn              string            `json:"Arn"`
	RoleArn          string            `json:"RoleArn,omitempty"`
	Input            *string           `json:"Input,omitempty"`
	InputPath        *string           `json:"InputPath,omitempty"`
	InputTransformer *InputTransformer `json:"InputTransformer,omitempty"`
	RetryPolicy      *RetryPolicy      `json:"RetryPolicy,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`
	SqsParameters    *SqsParameters    `json:"SqsParameters,omitempty"`
	HttpParameters   *HttpParameters   `json:"HttpParameters,omitempty"`
	// Parameters of target kinds trailbridge stores but does not act on.
	KinesisParameters           json.RawMessage `json:"KinesisParameters,omitempty"`
	EcsParameters               json.RawMessage `json:"EcsParameters,omitempty"`
	BatchParameters             json.RawMessage `json:"BatchParameters,omitempty"`
	RunCommandParameters        json.RawMessage `json:"RunCommandParameters,omitempty"`
	RedshiftDataParameters      json.RawMessage `json:"RedshiftDataParameters,omitempty"`
	SageMakerPipelineParameters json.RawMessage `json:"SageMakerPipelineParameters,omitempty"`
	AppSyncParameters           json.RawMessage `json:"AppSyncParameters,omitempty"`
}

// InputTransformer reshapes the event for a target.
type InputTransformer struct {
	InputPathsMap map[string]string `json:"InputPathsMap,omitempty"`
	InputTemplate string            `json:"InputTemplate"`
}

// RetryPolicy bounds the retries of a failing target.
type RetryPolicy struct {
	MaximumRetryAttempts     *int `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds,omitempty"`
}

// DeadLetterConfig names the queue that receives what cannot be delivered.
type DeadLetterConfig struct {
	Arn string `json:"Arn,omitempty"`
}

// SqsParameters are the settings of a queue target.
type SqsParameters struct {
	MessageGroupId string `json:"MessageGroupId,omitempty"`
}

// HttpParameters are the settings of an HTTP target (API destination or
// API Gateway).
type HttpParameters struct {
	PathParameterValues   []string          `json:"PathParameterValues,omitempty"`
	HeaderParameters      map[string]string `json:"HeaderParameters,omitempty"`
	QueryStringParameters map[string]string `json:"QueryStringParameters,omitempty"`
}
