// Package schedule owns EventBridge's ScheduleExpression language and the
// firing of schedule rules: it validates rate(...) and cron(...) expressions
// the way PutRule does, computes when a scheduled rule fires next, and its
// Runner appends each rule's Scheduled Event when it is due. Every time it returns is in UTC
// and on a whole minute, because EventBridge evaluates rule schedules in UTC
// with one-minute precision.
//
// Parse refuses every invalid expression with the one error AWS gives for all
// of them: a ValidationException "Parameter ScheduleExpression is not valid."
//
// # Overall form
//
// An expression is exactly "rate(" or "cron(", its fields, and ")": the
// keyword is lowercase, and there is no white space before the keyword, after
// the closing parenthesis, or just inside either parenthesis. AWS rejects
// " rate(10 minutes)" and "rate( 10 minutes )"; by the same rule this package
// rejects "cron( 0 10 * * ? * )". Fields are separated by exactly one space,
// the separator every AWS example uses (the documentation only says "white
// space"; tabs and runs of spaces are refused rather than guessed at).
//
// # Rate expressions
//
// rate(value unit): value is a positive decimal integer without sign or
// leading zeros, at most 2147483647; unit is minute, minutes, hour, hours, day
// or days, lowercase. The singular unit goes with 1 only and the plural with
// anything larger, so rate(1 minutes) and rate(10 minute) are invalid.
//
// AWS starts a rate schedule when the rule is created and fires about one
// interval later, then every interval. A Rate therefore needs an anchor, set
// with WithStart (normally to the rule's creation time): it fires at
// anchor+interval, anchor+2*interval, and so on, the anchor first truncated to
// the minute. A Rate with no anchor counts from the Unix epoch, so that
// rate(1 hour) fires on the hour and rate(1 day) at midnight UTC, and repeated
// calls to Next agree with each other whenever they are made.
//
// # Cron expressions
//
// cron(Minutes Hours Day-of-month Month Day-of-week Year), six fields:
//
//	Field         Values            Wildcards
//	Minutes       0-59              , - * /
//	Hours         0-23              , - * /
//	Day-of-month  1-31              , - * ? / L W
//	Month         1-12 or JAN-DEC   , - * /
//	Day-of-week   1-7 or SUN-SAT    , - * ? L #
//	Year          1970-2199         , - * /
//
// Day-of-week 1 is Sunday. Exactly one of Day-of-month and Day-of-week is "?";
// the other constrains the day. The wildcards mean:
//
//   - "a,b" lists items; an item is a value, a range or an increment.
//   - "a-b" is a range. A range whose start is after its end wraps around the
//     field (hours 20-2 are 20,21,22,23,0,1,2; FRI-MON is Friday to Monday),
//     as AWS's own example cron(0/30 20-2 ? * MON-FRI *) requires. Each day is
//     matched on its own: that example fires 00:00-02:30 and 20:00-23:30 on
//     every weekday. Years cannot wrap.
//   - "*" alone is every value of the field.
//   - "a/n", "a-b/n" and "*/n" are increments: every n-th value from a (or the
//     field's first value) to the range's end (or the field's last value).
//     Increments are allowed where the table lists "/" (not in Day-of-week);
//     n is at least 1 and at most the field's largest value.
//   - "?" (Day-of-month or Day-of-week only, alone) is "any".
//   - "L" in Day-of-month is the month's last day; "L" alone in Day-of-week is
//     the week's last day, Saturday; "<day>L" in Day-of-week (5L, THUL) is the
//     last such weekday of the month.
//   - "<n>W" in Day-of-month is the weekday (Monday to Friday) nearest the n-th
//     of the month, never crossing into another month: a Saturday moves to the
//     Friday before, except the 1st, which moves to Monday the 3rd; a Sunday
//     moves to the Monday after, except the month's last day, which moves to
//     the Friday before. A month shorter than n days has no such day.
//   - "<day>#<k>" in Day-of-week, k from 1 to 5, is the k-th such weekday of
//     the month (2#1 is the first Monday); months without one are skipped.
//
// L, LW, <n>W, <day>L and <day>#<k> stand alone in their field: they cannot
// be combined with lists or ranges (AWS: "3#1,6#3" is not valid).
//
// Month and weekday names are three letters, in any case (JAN, jan, Jan); the
// wildcard letters L and W are uppercase. Numbers may have leading zeros
// (08). Anything else is refused.
//
// Expressions that can never fire again, such as a year range in the past or
// cron(0 0 30 2 ? *), are valid, as they are in AWS: their Next returns the
// zero Time.
//
// # Sources and decisions
//
// The field table, the wildcards and their examples, the one-"?" rule and the
// "#" note come from the EventBridge user guide,
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html
// and https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
// (its earlier version, eb-create-rule-schedule.html, has the 20-2 and 6L
// examples). The rate syntax and the singular/plural rule come from
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html.
// UTC and one-minute precision come from the same guide.
//
// The error text, and the behaviour of these expressions, come from PutRule
// requests LocalStack recorded against AWS
// (tests/aws/services/events/test_events_schedule.py in
// github.com/localstack/localstack): rejected are " rate(10 minutes)",
// "rate( 10 minutes )", "rate(10 MINUTES)", "rate(0 minutes)",
// "rate(-10 minutes)", "rate(1 minutes)", "rate(10 minute)",
// "cron(0 1 * * * *)", "cron(71 8 1 * ? *)" and others; accepted are
// "cron(0 2 ? * SAT#3 *)" and "cron(15 10 ? * 6L 2002-2005)", a range of
// years long past. Ranges with increments such as 0-15/1 and 1-31/30, and
// one-value ranges such as 13-13, were checked in the AWS console by the
// reporter of LocalStack issue 13572.
//
// Where AWS documents nothing, this package follows the Quartz scheduler,
// whose field table AWS's copies entry for entry (same ranges, Sunday = 1,
// years 1970-2199) and which AWS is reported to behave like:
//   - LW (last weekday of the month) is accepted, and month and weekday names
//     are case-insensitive: both were found in the EventBridge console
//     (github.com/grumBit/aws_cron_expression_validator issue 18; LW also in
//     github.com/serverless/serverless-local-schedule issue 12).
//   - As in Quartz: L alone in Day-of-week is Saturday; the W rules above; k
//     in "#" is 1-5; ranges wrap; an increment is at most the field's largest
//     value; numbers may have leading zeros.
//   - Refused, being documented nowhere by AWS: Quartz's L-n offsets; L, LW,
//     W, <day>L and # inside lists or ranges; a bare "*" inside a list ("*/n"
//     is an item like any other); "/" in Day-of-week; lowercase l and w.
//   - The rate value's upper bound, 2147483647 (a 32-bit integer), is a guess:
//     AWS documents none.
//
// PutRule also limits ScheduleExpression to 256 characters; that length check
// belongs to the API layer, which reports it with a different message.
package schedule
