// Package queue delivers events to trailbridge's built-in SQS-compatible
// queues: the targets whose ARN is arn:aws:sqs:REGION:ACCOUNT:NAME, and the
// dead-letter queues of every target (DeadLetters).
//
// A delivery is one message whose body is the payload (the event, or what
// the target's Input, InputPath or InputTransformer made of it; a JSON
// string stays a JSON string, quotes included, as on AWS), sent as
// SendMessage would send it: the queue's own delay and size limit apply. A
// target's SqsParameters.MessageGroupId is kept on the message.
//
// Only the queues of this trailbridge's region and account are reachable:
// another account's or region's queue fails with NO_PERMISSIONS (AWS would
// need a role there), a queue that does not exist with NO_RESOURCE; neither
// is retried. Failures to store the message are retried.
//
// Dead letters are messages whose body is the original event and whose
// message attributes are EventBridge's: RULE_ARN, TARGET_ARN, ERROR_CODE,
// ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION (when retries or age ran out)
// and RETRY_ATTEMPTS, each a String attribute.
package queue
