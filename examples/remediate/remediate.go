package remediate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// Result is what a function did, written as one line of JSON.
type Result struct {
	Function string `json:"function"`
	Acted    bool   `json:"acted"`            // it changed something
	Reason   string `json:"reason,omitempty"` // why it acted or did not
	Calls    []Call `json:"calls,omitempty"`  // the API calls it made, in order
}

// Call is one API call a function made.
type Call struct {
	Operation string   `json:"operation"`
	Region    string   `json:"region"`
	Resources []string `json:"resources"`
	Error     string   `json:"error,omitempty"` // an error code the function tolerated
}

// config is a function's environment.
type config struct {
	client       *client
	region       string
	drRegion     string
	allowed      []string
	requiredTags []string
}

type function func(ctx context.Context, cfg *config, e *event, res *Result) error

var functions = map[string]function{
	"disable-user":         disableUser,
	"revert-bucket-policy": revertBucketPolicy,
	"stop-untagged":        stopUntagged,
	"copy-snapshot":        copySnapshot,
}

// Names lists the functions Run knows, sorted.
func Names() []string {
	names := make([]string, 0, len(functions))
	for n := range functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// defaultRequiredTags are the tags stop-untagged requires when
// REQUIRED_TAGS is not set.
var defaultRequiredTags = []string{"owner", "cost-center"}

// Run runs the function called name on the EventBridge event (an "AWS API
// Call via CloudTrail" envelope, or a bare CloudTrail record) read from
// event, and writes what it did to out as one line of JSON (a Result).
// env reads the environment:
//
//	DEMO_ENDPOINT          the demo API's URL (the interceptor in front of it); required
//	AWS_ACCESS_KEY_ID      the function's credentials; required
//	AWS_SECRET_ACCESS_KEY
//	AWS_SESSION_TOKEN      optional
//	AWS_REGION             the region to act in when the record has no awsRegion
//	                       (else AWS_DEFAULT_REGION, else us-east-1)
//	ALLOWED_PRINCIPALS     disable-user: comma-separated ARNs or user names allowed to create users
//	REQUIRED_TAGS          stop-untagged: comma-separated tag keys (default owner,cost-center)
//	DR_REGION              copy-snapshot: the region to copy snapshots to; required
//
// A record of a failed call (one with an errorCode) is left alone. Run
// returns an error, and writes nothing, when name is unknown, the event
// is malformed or not of the call the function handles, the environment
// is incomplete, or an API call fails.
func Run(ctx context.Context, name string, event io.Reader, out io.Writer, env func(string) string) error {
	fn, ok := functions[name]
	if !ok {
		return fmt.Errorf("remediate: unknown function %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	cfg, err := newConfig(env)
	if err != nil {
		return fmt.Errorf("remediate: %s: %w", name, err)
	}
	e, err := readEvent(event)
	if err != nil {
		return fmt.Errorf("remediate: %s: %w", name, err)
	}
	res := &Result{Function: name}
	if code := str(field(e.detail, "errorCode")); code != "" {
		res.Reason = fmt.Sprintf("the %s call failed (%s): nothing to remediate", e.name(), code)
	} else if err := fn(ctx, cfg, e, res); err != nil {
		return fmt.Errorf("remediate: %s: %w", name, err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("remediate: %s: %w", name, err)
	}
	if _, err := out.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("remediate: %s: write result: %w", name, err)
	}
	return nil
}

func newConfig(env func(string) string) (*config, error) {
	c := &client{
		endpoint: env("DEMO_ENDPOINT"),
		key:      env("AWS_ACCESS_KEY_ID"),
		secret:   env("AWS_SECRET_ACCESS_KEY"),
		token:    env("AWS_SESSION_TOKEN"),
		http:     &http.Client{Timeout: 30 * time.Second},
		now:      time.Now,
	}
	switch {
	case c.endpoint == "":
		return nil, errors.New("DEMO_ENDPOINT is not set")
	case !strings.HasPrefix(c.endpoint, "http://") && !strings.HasPrefix(c.endpoint, "https://"):
		return nil, fmt.Errorf("DEMO_ENDPOINT %q is not an http:// or https:// URL", c.endpoint)
	case c.key == "" || c.secret == "":
		return nil, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set")
	}
	cfg := &config{client: c, region: env("AWS_REGION"), drRegion: env("DR_REGION")}
	if cfg.region == "" {
		cfg.region = env("AWS_DEFAULT_REGION")
	}
	if cfg.region == "" {
		cfg.region = "us-east-1"
	}
	cfg.allowed = splitList(env("ALLOWED_PRINCIPALS"))
	cfg.requiredTags = splitList(env("REQUIRED_TAGS"))
	if len(cfg.requiredTags) == 0 {
		cfg.requiredTags = defaultRequiredTags
	}
	return cfg, nil
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// regionOf is the region the record's call was made in.
func (cfg *config) regionOf(e *event) string {
	if r := e.region(); r != "" {
		return r
	}
	return cfg.region
}

// iamRegion is the region IAM calls are signed for: IAM is global and
// signs for us-east-1.
const iamRegion = "us-east-1"

// disableUser disables a user created by a principal not in
// ALLOWED_PRINCIPALS: it attaches AWSDenyAll (so that no access key the
// user has or gets can do anything) and deletes the login profile (the
// console password), as AWS has no switch that disables a user.
func disableUser(ctx context.Context, cfg *config, e *event, res *Result) error {
	if err := e.expect("CreateUser"); err != nil {
		return err
	}
	user := str(field(e.params(), "userName"))
	if user == "" {
		user = str(path(e.response(), "user", "userName"))
	}
	if user == "" {
		return errors.New("the record names no user (requestParameters.userName)")
	}
	id := obj(field(e.detail, "userIdentity"))
	creator := str(field(id, "arn"))
	if p, ok := allowedPrincipal(cfg.allowed, id); ok {
		res.Reason = fmt.Sprintf("user %s was created by %s, an allowed principal (%s)", user, creator, p)
		return nil
	}
	if creator == "" {
		creator = "an unknown principal"
	}
	const denyAll = "arn:aws:iam::aws:policy/AWSDenyAll"
	err := cfg.client.call(ctx, "iam", iamRegion, "AttachUserPolicy", map[string]string{"UserName": user, "PolicyArn": denyAll}, nil)
	if hasCode(err, "NoSuchEntity") {
		res.Reason = fmt.Sprintf("user %s, created by %s, no longer exists", user, creator)
		res.Calls = append(res.Calls, Call{Operation: "AttachUserPolicy", Region: iamRegion, Resources: []string{user}, Error: "NoSuchEntity"})
		return nil
	}
	if err != nil {
		return err
	}
	res.Calls = append(res.Calls, Call{Operation: "AttachUserPolicy", Region: iamRegion, Resources: []string{user, denyAll}})
	call := Call{Operation: "DeleteLoginProfile", Region: iamRegion, Resources: []string{user}}
	err = cfg.client.call(ctx, "iam", iamRegion, "DeleteLoginProfile", map[string]string{"UserName": user}, nil)
	if hasCode(err, "NoSuchEntity") { // no console password to take away
		call.Error, err = "NoSuchEntity", nil
	}
	if err != nil {
		return err
	}
	res.Calls = append(res.Calls, call)
	res.Acted = true
	res.Reason = fmt.Sprintf("user %s was created by %s, not an allowed principal: disabled", user, creator)
	return nil
}

// allowedPrincipal says whether the identity is in allowed, by its ARN or
// user name, or (for an assumed role) its session issuer's ARN or name.
func allowedPrincipal(allowed []string, id map[string]any) (string, bool) {
	arn := str(field(id, "arn"))
	issuer := obj(path(id, "sessionContext", "sessionIssuer"))
	names := []string{arn, str(field(id, "userName")), str(field(issuer, "arn")), str(field(issuer, "userName"))}
	if strings.Contains(arn, ":user/") {
		names = append(names, arn[strings.LastIndex(arn, "/")+1:])
	}
	for _, a := range allowed {
		if slices.Contains(names, a) {
			return a, true
		}
	}
	return "", false
}

// revertBucketPolicy deletes a bucket policy that grants access to
// everyone ("Principal": "*" in an Allow statement), unless the bucket's
// policy has changed since to one that does not.
func revertBucketPolicy(ctx context.Context, cfg *config, e *event, res *Result) error {
	if err := e.expect("PutBucketPolicy"); err != nil {
		return err
	}
	p := e.params()
	bucket := str(field(p, "bucketName", "bucket"))
	if bucket == "" {
		return errors.New("the record names no bucket (requestParameters.bucketName)")
	}
	// CloudTrail's S3 records have the parsed policy in bucketPolicy and
	// the empty sub-resource marker "policy": ""; the JSON protocol's
	// have the policy string in policy.
	policy := field(p, "bucketPolicy")
	if policy == nil {
		policy = field(p, "policy")
	}
	if s, ok := policy.(string); policy == nil || ok && strings.TrimSpace(s) == "" {
		return errors.New("the record has no policy (requestParameters.bucketPolicy or policy)")
	}
	public, err := grantsPublic(policy)
	if err != nil {
		return fmt.Errorf("the record's policy: %w", err)
	}
	if !public {
		res.Reason = fmt.Sprintf("the policy put on bucket %s grants nothing to everyone", bucket)
		return nil
	}
	region := cfg.regionOf(e)
	var cur struct{ Policy string }
	err = cfg.client.call(ctx, "s3", region, "GetBucketPolicy", map[string]string{"Bucket": bucket}, &cur)
	if hasCode(err, "NoSuchBucket", "NoSuchBucketPolicy") {
		res.Calls = append(res.Calls, Call{Operation: "GetBucketPolicy", Region: region, Resources: []string{bucket}, Error: codeOf(err)})
		res.Reason = fmt.Sprintf("bucket %s has no policy any more", bucket)
		return nil
	}
	if err != nil {
		return err
	}
	res.Calls = append(res.Calls, Call{Operation: "GetBucketPolicy", Region: region, Resources: []string{bucket}})
	if public, err := grantsPublic(cur.Policy); err == nil && !public {
		res.Reason = fmt.Sprintf("bucket %s's policy has since been replaced by one that grants nothing to everyone", bucket)
		return nil
	}
	if err := cfg.client.call(ctx, "s3", region, "DeleteBucketPolicy", map[string]string{"Bucket": bucket}, nil); err != nil {
		return err
	}
	res.Calls = append(res.Calls, Call{Operation: "DeleteBucketPolicy", Region: region, Resources: []string{bucket}})
	res.Acted = true
	res.Reason = fmt.Sprintf("bucket %s's policy granted access to everyone (Principal \"*\"): deleted", bucket)
	return nil
}

// grantsPublic says whether a bucket policy, a JSON string or an object,
// has an Allow statement whose principal is everyone: "*", {"AWS": "*"}
// or a list with "*".
func grantsPublic(policy any) (bool, error) {
	if s, ok := policy.(string); ok {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return false, fmt.Errorf("not JSON: %w", err)
		}
		policy = v
	}
	doc := obj(policy)
	if doc == nil {
		return false, fmt.Errorf("a %T, not a policy document", policy)
	}
	for _, st := range items(field(doc, "Statement")) {
		st := obj(st)
		if !strings.EqualFold(str(field(st, "Effect")), "Allow") {
			continue
		}
		if everyone(field(st, "Principal")) {
			return true, nil
		}
	}
	return false, nil
}

func everyone(p any) bool {
	switch p := p.(type) {
	case string:
		return p == "*"
	case []any:
		return slices.ContainsFunc(p, everyone)
	case map[string]any:
		for _, v := range p {
			if everyone(v) {
				return true
			}
		}
	}
	return false
}

// stopUntagged stops the instances a RunInstances call launched without
// every required tag (a non-empty value for each of REQUIRED_TAGS).
func stopUntagged(ctx context.Context, cfg *config, e *event, res *Result) error {
	if err := e.expect("RunInstances"); err != nil {
		return err
	}
	requested := requestTags(e.params())
	var untagged []string
	var missingByID []string
	region := cfg.regionOf(e)
	insts := items(field(e.response(), "instances", "instancesSet"))
	if len(insts) == 0 {
		// The capture layer keeps an XML answer (the EC2 query protocol's)
		// as a summary: find the instances by the call's ClientToken.
		token := str(field(e.params(), "clientToken"))
		if token == "" {
			return errors.New("the record names no instances (responseElements.instances or instancesSet.items) and has no clientToken to find them by")
		}
		var out struct{ Reservations []struct{ Instances []any } }
		in := map[string]any{"Filters": []any{map[string]any{"Name": "client-token", "Values": []string{token}}}}
		if err := cfg.client.call(ctx, "ec2", region, "DescribeInstances", in, &out); err != nil {
			return err
		}
		c := Call{Operation: "DescribeInstances", Region: region, Resources: []string{}}
		for _, r := range out.Reservations {
			insts = append(insts, r.Instances...)
		}
		for _, it := range insts {
			c.Resources = append(c.Resources, str(field(obj(it), "instanceId")))
		}
		res.Calls = append(res.Calls, c)
		if len(insts) == 0 {
			res.Reason = "no instance launched with client token " + token + " exists"
			return nil
		}
	}
	for _, it := range insts {
		inst := obj(it)
		id := str(field(inst, "instanceId"))
		if id == "" {
			return errors.New("an instance in the record has no instanceId")
		}
		tags := maps.Clone(requested)
		for k, v := range tagMap(field(inst, "tags", "tagSet")) {
			tags[k] = v
		}
		var missing []string
		for _, k := range cfg.requiredTags {
			if tags[k] == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			untagged = append(untagged, id)
			missingByID = append(missingByID, id+" lacks "+strings.Join(missing, ", "))
		}
	}
	if len(untagged) == 0 {
		res.Reason = "every instance has the required tags (" + strings.Join(cfg.requiredTags, ", ") + ")"
		return nil
	}
	stop := func(ids []string) error {
		return cfg.client.call(ctx, "ec2", region, "StopInstances", map[string][]string{"InstanceIds": ids}, nil)
	}
	err := stop(untagged)
	switch {
	case err == nil:
		res.Calls = append(res.Calls, Call{Operation: "StopInstances", Region: region, Resources: untagged})
		res.Acted = true
	case hasCode(err, "IncorrectInstanceState", "InvalidInstanceID.NotFound"):
		// Some cannot be stopped (terminated, gone): stop the others.
		for _, id := range untagged {
			c := Call{Operation: "StopInstances", Region: region, Resources: []string{id}}
			err := stop([]string{id})
			if hasCode(err, "IncorrectInstanceState", "InvalidInstanceID.NotFound") {
				c.Error, err = codeOf(err), nil
			} else if err == nil {
				res.Acted = true
			}
			if err != nil {
				return err
			}
			res.Calls = append(res.Calls, c)
		}
	default:
		return err
	}
	res.Reason = strings.Join(missingByID, "; ")
	if res.Acted {
		res.Reason += ": stopped"
	}
	return nil
}

// requestTags are the instance tags of RunInstances' tag specifications:
// tagSpecifications (the JSON protocol's member, lower-camelled),
// tagSpecification (the EC2 query protocol's) or tagSpecificationSet
// (CloudTrail's EC2 shape), each with tags, tag or tagSet, of which only
// those for resource type instance count.
func requestTags(params map[string]any) map[string]string {
	out := map[string]string{}
	for _, s := range items(field(params, "tagSpecifications", "tagSpecification", "tagSpecificationSet")) {
		spec := obj(s)
		if rt := str(field(spec, "resourceType")); rt != "" && !strings.EqualFold(rt, "instance") {
			continue
		}
		for k, v := range tagMap(field(spec, "tags", "tag", "tagSet")) {
			out[k] = v
		}
	}
	return out
}

// tagMap reads a list of {key, value} tags in any of the shapes.
func tagMap(v any) map[string]string {
	out := map[string]string{}
	for _, t := range items(v) {
		t := obj(t)
		if k := str(field(t, "key")); k != "" {
			out[k] = str(field(t, "value"))
		}
	}
	return out
}

// copySnapshot copies a new DB snapshot to DR_REGION, as <id>-dr, calling
// CopyDBSnapshot at the DR region (signing for it), as on AWS.
func copySnapshot(ctx context.Context, cfg *config, e *event, res *Result) error {
	if err := e.expect("CreateDBSnapshot"); err != nil {
		return err
	}
	if cfg.drRegion == "" {
		return errors.New("DR_REGION is not set")
	}
	id := str(field(e.params(), "dBSnapshotIdentifier", "dbSnapshotIdentifier"))
	if id == "" {
		return errors.New("the record names no snapshot (requestParameters.dBSnapshotIdentifier)")
	}
	src := cfg.regionOf(e)
	if src == cfg.drRegion {
		res.Reason = fmt.Sprintf("snapshot %s is in %s, the DR region, already", id, src)
		return nil
	}
	// The source is the snapshot's ARN, as AWS requires for a copy across
	// regions; a record without it (the capture layer keeps an XML answer
	// as a summary) names it by identifier and SourceRegion, which the demo
	// cloud accepts.
	source := str(path(e.response(), "dBSnapshot", "dBSnapshotArn"))
	if source == "" {
		source = id
	}
	target := id + "-dr"
	in := map[string]any{
		"SourceDBSnapshotIdentifier": source,
		"TargetDBSnapshotIdentifier": target,
		"SourceRegion":               src,
		"CopyTags":                   true,
	}
	c := Call{Operation: "CopyDBSnapshot", Region: cfg.drRegion, Resources: []string{source, target}}
	err := cfg.client.call(ctx, "rds", cfg.drRegion, "CopyDBSnapshot", in, nil)
	if hasCode(err, "DBSnapshotAlreadyExists") {
		res.Calls = append(res.Calls, Call{Operation: c.Operation, Region: c.Region, Resources: c.Resources, Error: "DBSnapshotAlreadyExists"})
		res.Reason = fmt.Sprintf("snapshot %s is in %s as %s already", id, cfg.drRegion, target)
		return nil
	}
	if err != nil {
		return err
	}
	res.Calls = append(res.Calls, c)
	res.Acted = true
	res.Reason = fmt.Sprintf("snapshot %s copied from %s to %s as %s", id, src, cfg.drRegion, target)
	return nil
}
