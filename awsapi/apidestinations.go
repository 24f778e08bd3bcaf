package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/target/apidest"
)

var (
	// AWS lists the enum in this order in its messages (recorded).
	destMethods      = []string{"HEAD", "POST", "PATCH", "DELETE", "PUT", "GET", "OPTIONS"}
	reConnARN        = modelPattern(`^arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:([0-9]{12})?:connection\/[\.\-_A-Za-z0-9]+\/[\-A-Za-z0-9]+$`)
	reDestName       = modelPattern(`[\.\-_A-Za-z0-9]+`)
	defaultRateLimit = apidest.DefaultRateLimit
)

// CreateApiDestinationInput is CreateApiDestination's request.
// InvocationEndpoint may be http:// as well as https:// (a trailbridge
// deviation, for services on a private network).
type CreateApiDestinationInput struct {
	Name                         *string
	Description                  *string
	ConnectionArn                *string
	InvocationEndpoint           *string
	HttpMethod                   *string
	InvocationRateLimitPerSecond *int
}

// UpdateApiDestinationInput is UpdateApiDestination's request; members left
// out keep their values.
type UpdateApiDestinationInput CreateApiDestinationInput

// ApiDestinationRef names an API destination.
type ApiDestinationRef struct {
	Name *string
}

// ListApiDestinationsInput is ListApiDestinations's request.
type ListApiDestinationsInput struct {
	NamePrefix    *string
	ConnectionArn *string
	NextToken     *string
	Limit         *int
}

// ApiDestinationStateOutput is the answer of CreateApiDestination and
// UpdateApiDestination.
type ApiDestinationStateOutput struct {
	ApiDestinationArn   string
	ApiDestinationState string
	CreationTime        epoch
	LastModifiedTime    epoch
}

// ApiDestination describes an API destination (DescribeApiDestination's
// answer, and ListApiDestinations's items, which have no Description).
type ApiDestination struct {
	ApiDestinationArn            string
	Name                         string
	Description                  *string `json:",omitempty"`
	ApiDestinationState          string
	ConnectionArn                string
	InvocationEndpoint           string
	HttpMethod                   string
	InvocationRateLimitPerSecond int
	CreationTime                 epoch
	LastModifiedTime             epoch
}

// ListApiDestinationsOutput is ListApiDestinations's answer.
type ListApiDestinationsOutput struct {
	ApiDestinations []ApiDestination
	NextToken       *string `json:",omitempty"`
}

// storedDestination is an API destination as the ResourceStore keeps it.
type storedDestination struct {
	Name                         string
	UUID                         string
	Description                  string `json:",omitempty"`
	ConnectionArn                string
	InvocationEndpoint           string
	HttpMethod                   string
	InvocationRateLimitPerSecond int
	CreationTime                 time.Time
	LastModifiedTime             time.Time
}

func (c *Connections) destinationARN(name, uuid string) string {
	p := c.EB.Place
	return "arn:aws:events:" + p.Region + ":" + p.Account + ":api-destination/" + name + "/" + uuid
}

func errNoDestination(name string) error {
	return tb.Errorf(tb.CodeResourceNotFound, "Failed to describe the api-destination(s). An api-destination '%s' does not exist.", name)
}

func (c *Connections) loadDestination(name string) (*storedDestination, error) {
	raw := c.EB.Resources.Resource(kindDestination, name)
	if raw == nil {
		return nil, nil
	}
	return decodeDestination(raw)
}

func decodeDestination(raw json.RawMessage) (*storedDestination, error) {
	sd := new(storedDestination)
	if err := json.Unmarshal(raw, sd); err != nil {
		return nil, fmt.Errorf("read stored API destination: %w", err)
	}
	return sd, nil
}

// destinationState is ACTIVE while the destination's connection exists and
// is AUTHORIZED; INACTIVE otherwise (AWS: a destination of an AUTHORIZING
// OAuth connection is INACTIVE).
func (c *Connections) destinationState(sd *storedDestination) (string, error) {
	sc, err := c.connectionOf(sd.ConnectionArn)
	if err != nil {
		return "", err
	}
	if sc != nil && sc.State == connAuthorized {
		return "ACTIVE", nil
	}
	return "INACTIVE", nil
}

func checkDestination(in *CreateApiDestinationInput, create bool) error {
	var v violations
	v.str(in.Name, "name", true, 1, 64, reDestName)
	v.str(in.Description, "description", false, 0, 512, nil)
	v.str(in.ConnectionArn, "connectionArn", create, 1, 1600, reConnARN)
	v.str(in.InvocationEndpoint, "invocationEndpoint", create, 1, 2048, reHTTPSEndpoint)
	if create && in.HttpMethod == nil {
		v.add("null", "httpMethod", "Member must not be null")
	}
	v.enum(in.HttpMethod, "httpMethod", destMethods...)
	if n := in.InvocationRateLimitPerSecond; n != nil && *n < 1 {
		v.add(quote(itoa(*n)), "invocationRateLimitPerSecond", "Member must have value greater than or equal to 1")
	}
	if err := v.err(); err != nil {
		return err
	}
	if in.InvocationEndpoint != nil {
		return checkEndpoint("InvocationEndpoint", *in.InvocationEndpoint)
	}
	return nil
}

// requireConnection checks that a ConnectionArn names an existing
// connection.
func (c *Connections) requireConnection(arn string) error {
	sc, err := c.connectionOf(arn)
	if err != nil {
		return err
	}
	if sc == nil {
		name, _, ok := c.parseConnectionARN(arn)
		if !ok {
			name = arn
		}
		return errNoConnection(name)
	}
	return nil
}

// CreateApiDestination creates an API destination of an existing
// connection. InvocationRateLimitPerSecond defaults to 300 and has no
// maximum: AWS's 300 is an adjustable account quota, not a limit of the API.
func (c *Connections) CreateApiDestination(ctx context.Context, in *CreateApiDestinationInput) (*ApiDestinationStateOutput, error) {
	if err := checkDestination(in, true); err != nil {
		return nil, err
	}
	if err := c.requireConnection(*in.ConnectionArn); err != nil {
		return nil, err
	}
	now := c.now()
	name := *in.Name
	sd := &storedDestination{
		Name:                         name,
		UUID:                         newID(),
		Description:                  deref(in.Description),
		ConnectionArn:                *in.ConnectionArn,
		InvocationEndpoint:           *in.InvocationEndpoint,
		HttpMethod:                   *in.HttpMethod,
		InvocationRateLimitPerSecond: defaultRateLimit,
		CreationTime:                 now,
		LastModifiedTime:             now,
	}
	if in.InvocationRateLimitPerSecond != nil {
		sd.InvocationRateLimitPerSecond = *in.InvocationRateLimitPerSecond
	}
	val, err := json.Marshal(sd)
	if err != nil {
		return nil, fmt.Errorf("CreateApiDestination: encode: %w", err)
	}
	err = c.EB.Resources.UpdateResource(ctx, kindDestination, name, func(cur json.RawMessage) (json.RawMessage, error) {
		if cur != nil {
			return nil, tb.Errorf(tb.CodeResourceAlreadyExists, "An api-destination '%s' already exists.", name)
		}
		return val, nil
	})
	if err != nil {
		return nil, err
	}
	state, err := c.destinationState(sd)
	if err != nil {
		return nil, err
	}
	return &ApiDestinationStateOutput{ApiDestinationArn: c.destinationARN(name, sd.UUID), ApiDestinationState: state, CreationTime: epoch(now), LastModifiedTime: epoch(now)}, nil
}

func checkDestinationRef(ref *ApiDestinationRef) error {
	var v violations
	v.str(ref.Name, "name", true, 1, 64, reDestName)
	return v.err()
}

func (c *Connections) describeDestination(sd *storedDestination, withDescription bool) (ApiDestination, error) {
	state, err := c.destinationState(sd)
	if err != nil {
		return ApiDestination{}, err
	}
	d := ApiDestination{
		ApiDestinationArn:            c.destinationARN(sd.Name, sd.UUID),
		Name:                         sd.Name,
		ApiDestinationState:          state,
		ConnectionArn:                sd.ConnectionArn,
		InvocationEndpoint:           sd.InvocationEndpoint,
		HttpMethod:                   sd.HttpMethod,
		InvocationRateLimitPerSecond: sd.InvocationRateLimitPerSecond,
		CreationTime:                 epoch(sd.CreationTime),
		LastModifiedTime:             epoch(sd.LastModifiedTime),
	}
	if withDescription {
		d.Description = emptyNil(sd.Description)
	}
	return d, nil
}

// DescribeApiDestination describes an API destination.
func (c *Connections) DescribeApiDestination(_ context.Context, in *ApiDestinationRef) (*ApiDestination, error) {
	if err := checkDestinationRef(in); err != nil {
		return nil, err
	}
	sd, err := c.loadDestination(*in.Name)
	if err != nil {
		return nil, err
	}
	if sd == nil {
		return nil, errNoDestination(*in.Name)
	}
	d, err := c.describeDestination(sd, true)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// ListApiDestinations lists API destinations by name, filtered by
// NamePrefix and ConnectionArn (both may be given).
func (c *Connections) ListApiDestinations(_ context.Context, in *ListApiDestinationsInput) (*ListApiDestinationsOutput, error) {
	var v violations
	v.str(in.NamePrefix, "namePrefix", false, 1, 64, reDestName)
	v.str(in.ConnectionArn, "connectionArn", false, 1, 1600, reConnARN)
	v.str(in.NextToken, "nextToken", false, 1, 2048, nil)
	checkLimit(&v, in.Limit)
	if err := v.err(); err != nil {
		return nil, err
	}
	var dests []*storedDestination
	for _, name := range c.EB.Resources.ResourceNames(kindDestination) {
		if in.NamePrefix != nil && !strings.HasPrefix(name, *in.NamePrefix) {
			continue
		}
		sd, err := c.loadDestination(name)
		if err != nil {
			return nil, err
		}
		if sd == nil || in.ConnectionArn != nil && sd.ConnectionArn != *in.ConnectionArn {
			continue
		}
		dests = append(dests, sd)
	}
	sel, next, err := page("api-destinations", dests, func(sd *storedDestination) string { return sd.Name }, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &ListApiDestinationsOutput{ApiDestinations: []ApiDestination{}, NextToken: next}
	for _, sd := range sel {
		d, err := c.describeDestination(sd, false)
		if err != nil {
			return nil, err
		}
		out.ApiDestinations = append(out.ApiDestinations, d)
	}
	return out, nil
}

// UpdateApiDestination changes an API destination; members left out keep
// their values.
func (c *Connections) UpdateApiDestination(ctx context.Context, in *UpdateApiDestinationInput) (*ApiDestinationStateOutput, error) {
	cin := (*CreateApiDestinationInput)(in)
	if err := checkDestination(cin, false); err != nil {
		return nil, err
	}
	if in.ConnectionArn != nil {
		if err := c.requireConnection(*in.ConnectionArn); err != nil {
			return nil, err
		}
	}
	name := *in.Name
	now := c.now()
	var out *storedDestination
	err := c.EB.Resources.UpdateResource(ctx, kindDestination, name, func(cur json.RawMessage) (json.RawMessage, error) {
		if cur == nil {
			return nil, errNoDestination(name)
		}
		sd, err := decodeDestination(cur)
		if err != nil {
			return nil, err
		}
		if in.Description != nil {
			sd.Description = *in.Description
		}
		if in.ConnectionArn != nil {
			sd.ConnectionArn = *in.ConnectionArn
		}
		if in.InvocationEndpoint != nil {
			sd.InvocationEndpoint = *in.InvocationEndpoint
		}
		if in.HttpMethod != nil {
			sd.HttpMethod = *in.HttpMethod
		}
		if in.InvocationRateLimitPerSecond != nil {
			sd.InvocationRateLimitPerSecond = *in.InvocationRateLimitPerSecond
		}
		sd.LastModifiedTime = now
		out = sd
		return json.Marshal(sd)
	})
	if err != nil {
		return nil, err
	}
	state, err := c.destinationState(out)
	if err != nil {
		return nil, err
	}
	return &ApiDestinationStateOutput{ApiDestinationArn: c.destinationARN(name, out.UUID), ApiDestinationState: state,
		CreationTime: epoch(out.CreationTime), LastModifiedTime: epoch(out.LastModifiedTime)}, nil
}

// DeleteApiDestination deletes an API destination.
func (c *Connections) DeleteApiDestination(ctx context.Context, in *ApiDestinationRef) (*struct{}, error) {
	if err := checkDestinationRef(in); err != nil {
		return nil, err
	}
	name := *in.Name
	err := c.EB.Resources.UpdateResource(ctx, kindDestination, name, func(cur json.RawMessage) (json.RawMessage, error) {
		if cur == nil {
			return nil, errNoDestination(name)
		}
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// Destination implements apidest.Resolver: the API destination called
// name with its connection's secrets opened (Connection nil when the
// connection no longer exists). A missing destination is
// apidest.ErrNotFound.
func (c *Connections) Destination(_ context.Context, name string) (*apidest.Destination, error) {
	raw := c.EB.Resources.Resource(kindDestination, name)
	if raw == nil {
		return nil, fmt.Errorf("api destination %s: %w", name, apidest.ErrNotFound)
	}
	// Every delivery asks; decoding and opening secrets each time would
	// cost more than the request itself, so the answer is kept while the
	// stored destination and connection stay byte for byte the same.
	c.cacheMu.Lock()
	hit, ok := c.cache[name]
	c.cacheMu.Unlock()
	if ok && bytes.Equal(hit.rawDest, raw) && bytes.Equal(hit.rawConn, c.EB.Resources.Resource(kindConnection, hit.connName)) {
		return hit.dest, nil
	}
	sd, err := decodeDestination(raw)
	if err != nil {
		return nil, err
	}
	d := &apidest.Destination{
		ARN:       c.destinationARN(sd.Name, sd.UUID),
		Name:      sd.Name,
		Endpoint:  sd.InvocationEndpoint,
		Method:    sd.HttpMethod,
		RateLimit: sd.InvocationRateLimitPerSecond,
	}
	entry := cachedDestination{rawDest: raw, dest: d}
	if connName, _, ok := c.parseConnectionARN(sd.ConnectionArn); ok {
		entry.connName = connName
		entry.rawConn = c.EB.Resources.Resource(kindConnection, connName)
	}
	sc, err := c.connectionOf(sd.ConnectionArn)
	if err != nil {
		return nil, err
	}
	if sc != nil {
		if d.Connection, err = c.openConnection(sc); err != nil {
			return nil, err
		}
	}
	c.cacheMu.Lock()
	if c.cache == nil {
		c.cache = map[string]cachedDestination{}
	}
	c.cache[name] = entry
	c.cacheMu.Unlock()
	return d, nil
}

// cachedDestination is an answer of Destination and the stored bytes it
// was made from.
type cachedDestination struct {
	rawDest, rawConn json.RawMessage
	connName         string
	dest             *apidest.Destination
}

var (
	_ apidest.Resolver              = (*Connections)(nil)
	_ apidest.AuthorizationReporter = (*Connections)(nil)
)
