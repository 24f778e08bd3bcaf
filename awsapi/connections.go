package awsapi

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/target/apidest"
)

// Resource kinds in the ResourceStore.
const (
	kindConnection  = "connection"
	kindDestination = "api-destination"
)

// Connection states, as EventBridge names them.
const (
	connAuthorized    = "AUTHORIZED"
	connAuthorizing   = "AUTHORIZING"
	connDeauthorized  = "DEAUTHORIZED"
	connDeauthorizing = "DEAUTHORIZING"
	connDeleting      = "DELETING"
)

var (
	authTypes       = []string{apidest.AuthBasic, apidest.AuthOAuth, apidest.AuthAPIKey}
	oauthMethods    = []string{"GET", "POST", "PUT"}
	connStates      = []string{"CREATING", "UPDATING", "DELETING", "AUTHORIZED", "DEAUTHORIZED", "AUTHORIZING", "DEAUTHORIZING", "ACTIVE", "FAILED_CONNECTIVITY"}
	reConnName      = modelPattern(`[\.\-_A-Za-z0-9]+`)
	reAuthHeader    = modelPattern(`^[ \t]*[^\x00-\x1F:\x7F]+([ \t]+[^\x00-\x1F:\x7F]+)*[ \t]*$`)
	reHeaderKey     = modelPattern("^[!#$%&'*+-.^_`|~0-9a-zA-Z]+$")
	reHeaderValue   = modelPattern(`^[ \t]*[\x20-\x7E]+([ \t]+[\x20-\x7E]+)*[ \t]*$`)
	reQueryKey      = modelPattern(`[^\x00-\x1F\x7F]+`)
	reQueryValue    = modelPattern(`[^\x00-\x09\x0B\x0C\x0E-\x1F\x7F]+`)
	reHTTPSEndpoint = modelPattern(`^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@\x26=+$,A-Za-z0-9])+)([).!';/?:,])?$`)
)

// Secrets seals connection secrets for storage and opens them for use.
// *secret.Box implements it.
type Secrets interface {
	Seal(plaintext []byte) (string, error)
	Open(sealed string) ([]byte, error)
}

// Connections is EventBridge's API of connections and API destinations,
// over the EventBridge's ResourceStore. Connection secrets (passwords, API
// key values, client secrets, secret invocation parameters) are stored
// sealed by Secrets, and no answer ever carries them. It is also the
// apidest.Resolver that hands the API destination target kind each
// destination with its secrets opened. Its methods are safe for concurrent
// use.
//
// OAuth connections start AUTHORIZING, as on AWS. Trailbridge obtains their
// token lazily, on the first invocation of an API destination that uses
// them, and the connection turns AUTHORIZED then (see Authorized): creating
// a connection never calls out, so it works while the authorization server
// is unreachable, and its answer is AWS's.
type Connections struct {
	EB      *EventBridge
	Secrets Secrets
	// Now is the clock; nil means the EventBridge's.
	Now func() time.Time

	cacheMu sync.Mutex
	cache   map[string]cachedDestination // by destination name
}

func (c *Connections) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return c.EB.now()
}

// ops returns the handlers of the eleven actions; with no Connections they
// answer that trailbridge does not implement them.
func (c *Connections) ops() map[string]handler {
	if c == nil {
		m := map[string]handler{}
		for _, a := range []string{"CreateConnection", "DescribeConnection", "ListConnections", "UpdateConnection", "DeleteConnection",
			"DeauthorizeConnection", "CreateApiDestination", "DescribeApiDestination", "ListApiDestinations", "UpdateApiDestination", "DeleteApiDestination"} {
			m[a] = func(context.Context, []byte) (any, error) {
				return nil, tb.Errorf(tb.CodeNotImplemented, "trailbridge does not implement AWSEvents.%s yet.", a)
			}
		}
		return m
	}
	return map[string]handler{
		"CreateConnection":       op(c.CreateConnection),
		"DescribeConnection":     op(c.DescribeConnection),
		"ListConnections":        op(c.ListConnections),
		"UpdateConnection":       op(c.UpdateConnection),
		"DeleteConnection":       op(c.DeleteConnection),
		"DeauthorizeConnection":  op(c.DeauthorizeConnection),
		"CreateApiDestination":   op(c.CreateApiDestination),
		"DescribeApiDestination": op(c.DescribeApiDestination),
		"ListApiDestinations":    op(c.ListApiDestinations),
		"UpdateApiDestination":   op(c.UpdateApiDestination),
		"DeleteApiDestination":   op(c.DeleteApiDestination),
	}
}

// ---- request shapes ----

// ConnectionParameter is a header, query string or body parameter of a
// connection.
type ConnectionParameter struct {
	Key           *string
	Value         *string
	IsValueSecret *bool
}

// ConnectionHttpParameters are parameters added to every call (or to the
// OAuth token request).
type ConnectionHttpParameters struct {
	HeaderParameters      []ConnectionParameter
	QueryStringParameters []ConnectionParameter
	BodyParameters        []ConnectionParameter
}

// BasicAuthParameters are a connection's Basic credentials.
type BasicAuthParameters struct {
	Username *string
	Password *string
}

// ApiKeyAuthParameters are a connection's API key header.
type ApiKeyAuthParameters struct {
	ApiKeyName  *string
	ApiKeyValue *string
}

// OAuthClientParameters are an OAuth client's credentials.
type OAuthClientParameters struct {
	ClientID     *string
	ClientSecret *string
}

// OAuthParameters say how a connection obtains OAuth tokens.
type OAuthParameters struct {
	ClientParameters      *OAuthClientParameters
	AuthorizationEndpoint *string
	HttpMethod            *string
	OAuthHttpParameters   *ConnectionHttpParameters
}

// ConnectionAuthParameters is AuthParameters of CreateConnection and
// UpdateConnection: the block of the authorization type, and parameters for
// every call. ConnectivityParameters (private OAuth endpoints through VPC
// Lattice) are refused: a self-hosted trailbridge reaches its endpoints
// directly.
type ConnectionAuthParameters struct {
	BasicAuthParameters      *BasicAuthParameters
	ApiKeyAuthParameters     *ApiKeyAuthParameters
	OAuthParameters          *OAuthParameters
	InvocationHttpParameters *ConnectionHttpParameters
	ConnectivityParameters   json.RawMessage
}

// CreateConnectionInput is CreateConnection's request. KmsKeyIdentifier is
// kept and shown, but trailbridge seals secrets with its own key.
type CreateConnectionInput struct {
	Name                             *string
	Description                      *string
	AuthorizationType                *string
	AuthParameters                   *ConnectionAuthParameters
	InvocationConnectivityParameters json.RawMessage
	KmsKeyIdentifier                 *string
}

// UpdateConnectionInput is UpdateConnection's request; members left out
// keep their values.
type UpdateConnectionInput CreateConnectionInput

// ConnectionRef names a connection (DescribeConnection, DeleteConnection,
// DeauthorizeConnection).
type ConnectionRef struct {
	Name *string
}

// ListConnectionsInput is ListConnections's request.
type ListConnectionsInput struct {
	NamePrefix      *string
	ConnectionState *string
	NextToken       *string
	Limit           *int
}

// ---- answer shapes: they have no member that could hold a secret ----

// ConnectionParameterOutput is a parameter as answers show it: the value of
// a secret parameter is left out.
type ConnectionParameterOutput struct {
	Key           string
	Value         *string `json:",omitempty"`
	IsValueSecret bool
}

// ConnectionHttpParametersOutput are parameters as answers show them.
type ConnectionHttpParametersOutput struct {
	HeaderParameters      []ConnectionParameterOutput `json:",omitempty"`
	QueryStringParameters []ConnectionParameterOutput `json:",omitempty"`
	BodyParameters        []ConnectionParameterOutput `json:",omitempty"`
}

// ConnectionAuthOutput is DescribeConnection's AuthParameters: the public
// half of each block.
type ConnectionAuthOutput struct {
	BasicAuthParameters *struct {
		Username string
	} `json:",omitempty"`
	ApiKeyAuthParameters *struct {
		ApiKeyName string
	} `json:",omitempty"`
	OAuthParameters          *OAuthOutput                    `json:",omitempty"`
	InvocationHttpParameters *ConnectionHttpParametersOutput `json:",omitempty"`
}

// OAuthOutput is the public half of OAuthParameters.
type OAuthOutput struct {
	ClientParameters struct {
		ClientID string
	}
	AuthorizationEndpoint string
	HttpMethod            string
	OAuthHttpParameters   *ConnectionHttpParametersOutput `json:",omitempty"`
}

// ConnectionStateOutput is the answer of CreateConnection, UpdateConnection,
// DeleteConnection and DeauthorizeConnection.
type ConnectionStateOutput struct {
	ConnectionArn      string
	ConnectionState    string
	CreationTime       epoch
	LastModifiedTime   epoch
	LastAuthorizedTime *epoch `json:",omitempty"`
}

// DescribeConnectionOutput is DescribeConnection's answer.
type DescribeConnectionOutput struct {
	ConnectionArn      string
	Name               string
	Description        *string `json:",omitempty"`
	ConnectionState    string
	StateReason        *string `json:",omitempty"`
	AuthorizationType  string
	SecretArn          *string               `json:",omitempty"`
	KmsKeyIdentifier   *string               `json:",omitempty"`
	AuthParameters     *ConnectionAuthOutput `json:",omitempty"`
	CreationTime       epoch
	LastModifiedTime   epoch
	LastAuthorizedTime *epoch `json:",omitempty"`
}

// ConnectionItem is one connection in ListConnections's answer.
type ConnectionItem struct {
	ConnectionArn      string
	Name               string
	ConnectionState    string
	StateReason        *string `json:",omitempty"`
	AuthorizationType  string
	CreationTime       epoch
	LastModifiedTime   epoch
	LastAuthorizedTime *epoch `json:",omitempty"`
}

// ListConnectionsOutput is ListConnections's answer.
type ListConnectionsOutput struct {
	Connections []ConnectionItem
	NextToken   *string `json:",omitempty"`
}

// ---- stored form ----

// storedConnection is a connection as the ResourceStore keeps it. Every
// secret is in a Sealed… field, sealed by Secrets.
type storedConnection struct {
	Name               string
	UUID               string
	Description        string `json:",omitempty"`
	AuthorizationType  string
	State              string
	StateReason        string        `json:",omitempty"`
	KmsKeyIdentifier   string        `json:",omitempty"`
	SecretName         string        `json:",omitempty"` // events!connection/NAME/UUID-XXXXXX; none once deauthorized
	Basic              *storedBasic  `json:",omitempty"`
	APIKey             *storedAPIKey `json:",omitempty"`
	OAuth              *storedOAuth  `json:",omitempty"`
	Invocation         *storedParams `json:",omitempty"`
	CreationTime       time.Time
	LastModifiedTime   time.Time
	LastAuthorizedTime time.Time `json:",omitzero"`
}

type storedBasic struct {
	Username       string
	SealedPassword string
}

type storedAPIKey struct {
	ApiKeyName        string
	SealedApiKeyValue string
}

type storedOAuth struct {
	ClientID              string
	SealedClientSecret    string
	AuthorizationEndpoint string
	HttpMethod            string
	OAuthHttpParameters   *storedParams `json:",omitempty"`
}

type storedParams struct {
	HeaderParameters      []storedParam `json:",omitempty"`
	QueryStringParameters []storedParam `json:",omitempty"`
	BodyParameters        []storedParam `json:",omitempty"`
}

// storedParam keeps a plain value in Value and a secret one in SealedValue.
type storedParam struct {
	Key           string
	Value         string `json:",omitempty"`
	SealedValue   string `json:",omitempty"`
	IsValueSecret bool   `json:",omitempty"`
}

func (c *Connections) connectionARN(name, uuid string) string {
	p := c.EB.Place
	return "arn:aws:events:" + p.Region + ":" + p.Account + ":connection/" + name + "/" + uuid
}

func (c *Connections) secretARN(secretName string) string {
	p := c.EB.Place
	return "arn:aws:secretsmanager:" + p.Region + ":" + p.Account + ":secret:" + secretName
}

func errNoConnection(name string) error {
	return tb.Errorf(tb.CodeResourceNotFound, "Failed to describe the connection(s). Connection '%s' does not exist.", name)
}

// loadConnection reads a stored connection; nil when there is none.
func (c *Connections) loadConnection(name string) (*storedConnection, error) {
	raw := c.EB.Resources.Resource(kindConnection, name)
	if raw == nil {
		return nil, nil
	}
	return decodeConnection(raw)
}

func decodeConnection(raw json.RawMessage) (*storedConnection, error) {
	sc := new(storedConnection)
	if err := json.Unmarshal(raw, sc); err != nil {
		return nil, fmt.Errorf("read stored connection: %w", err)
	}
	return sc, nil
}

// ---- validation ----

// sensitive checks a member that holds a secret as str does, but, as AWS
// does for sensitive members, never quotes the value in the message.
func (v *violations) sensitive(s *string, path string, required bool, min, max int, re *regexp.Regexp) {
	if s == nil {
		if required {
			v.add("null", path, "Member must not be null")
		}
		return
	}
	bad := func(c string) {
		*v = append(*v, fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", path, c))
	}
	n := utf8.RuneCountInString(*s)
	if n < min {
		bad(fmt.Sprintf("Member must have length greater than or equal to %d", min))
	}
	if max > 0 && n > max {
		bad(fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
	if re != nil && n >= min && !re.MatchString(*s) {
		bad("Member must satisfy regular expression pattern: " + modelPatternText(re))
	}
}

func checkHTTPParams(v *violations, p *ConnectionHttpParameters, path string) {
	if p == nil {
		return
	}
	lists := []struct {
		name   string
		params []ConnectionParameter
		keyRe  *regexp.Regexp
		valRe  *regexp.Regexp
		limits bool
	}{
		{"headerParameters", p.HeaderParameters, reHeaderKey, reHeaderValue, true},
		{"queryStringParameters", p.QueryStringParameters, reQueryKey, reQueryValue, true},
		{"bodyParameters", p.BodyParameters, nil, nil, false},
	}
	for _, l := range lists {
		lp := path + "." + l.name
		if len(l.params) > 100 {
			v.add("'[...]'", lp, "Member must have length less than or equal to 100")
		}
		if !l.limits {
			continue
		}
		for i, prm := range l.params {
			mp := fmt.Sprintf("%s.%d.member.", lp, i+1)
			v.str(prm.Key, mp+"key", false, 0, 512, l.keyRe)
			v.sensitive(prm.Value, mp+"value", false, 0, 512, l.valRe)
		}
	}
}

// checkConnection applies the model's constraints; create says whether the
// members CreateConnection requires are required.
func checkConnection(in *CreateConnectionInput, create bool) error {
	var v violations
	v.str(in.Name, "name", true, 1, 64, reConnName)
	v.str(in.Description, "description", false, 0, 512, nil)
	v.enum(in.AuthorizationType, "authorizationType", authTypes...)
	if create {
		if in.AuthorizationType == nil {
			v.add("null", "authorizationType", "Member must not be null")
		}
		if in.AuthParameters == nil {
			v.add("null", "authParameters", "Member must not be null")
		}
	}
	v.str(in.KmsKeyIdentifier, "kmsKeyIdentifier", false, 0, 2048, nil)
	if ap := in.AuthParameters; ap != nil {
		if b := ap.BasicAuthParameters; b != nil {
			v.str(b.Username, "authParameters.basicAuthParameters.username", create, 1, 512, reAuthHeader)
			v.sensitive(b.Password, "authParameters.basicAuthParameters.password", create, 1, 512, reAuthHeader)
		}
		if k := ap.ApiKeyAuthParameters; k != nil {
			v.str(k.ApiKeyName, "authParameters.apiKeyAuthParameters.apiKeyName", create, 1, 512, reAuthHeader)
			v.sensitive(k.ApiKeyValue, "authParameters.apiKeyAuthParameters.apiKeyValue", create, 1, 512, reAuthHeader)
		}
		if o := ap.OAuthParameters; o != nil {
			const p = "authParameters.oAuthParameters."
			if o.ClientParameters == nil && create {
				v.add("null", p+"clientParameters", "Member must not be null")
			}
			if cp := o.ClientParameters; cp != nil {
				v.str(cp.ClientID, p+"clientParameters.clientID", create, 1, 512, reAuthHeader)
				v.sensitive(cp.ClientSecret, p+"clientParameters.clientSecret", create, 1, 512, reAuthHeader)
			}
			v.str(o.AuthorizationEndpoint, p+"authorizationEndpoint", create, 1, 2048, reHTTPSEndpoint)
			if o.HttpMethod == nil && create {
				v.add("null", p+"httpMethod", "Member must not be null")
			}
			v.enum(o.HttpMethod, p+"httpMethod", oauthMethods...)
			checkHTTPParams(&v, o.OAuthHttpParameters, p+"oAuthHttpParameters")
		}
		checkHTTPParams(&v, ap.InvocationHttpParameters, "authParameters.invocationHttpParameters")
	}
	if err := v.err(); err != nil {
		return err
	}
	if len(in.InvocationConnectivityParameters) > 0 && string(in.InvocationConnectivityParameters) != "null" ||
		in.AuthParameters != nil && len(in.AuthParameters.ConnectivityParameters) > 0 && string(in.AuthParameters.ConnectivityParameters) != "null" {
		return tb.Errorf(tb.CodeNotImplemented, "trailbridge does not support connections to private resources (ConnectivityParameters): it reaches endpoints directly.")
	}
	if o := in.AuthParameters; o != nil && o.OAuthParameters != nil && o.OAuthParameters.AuthorizationEndpoint != nil {
		if err := checkEndpoint("AuthorizationEndpoint", *o.OAuthParameters.AuthorizationEndpoint); err != nil {
			return err
		}
	}
	return nil
}

// checkEndpoint requires an absolute URL with a host. AWS requires https://;
// trailbridge also accepts http://, for services on a private network
// that a self-hosted event bus calls (a deliberate deviation).
func checkEndpoint(member, endpoint string) error {
	scheme, rest, ok := strings.Cut(endpoint, "://")
	host, _, _ := strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, "?")
	if !ok || (!strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "http")) || host == "" || strings.Contains(host, "*") || strings.Contains(host, "@") {
		return tb.Errorf(tb.CodeValidation, "Parameter %s is not valid. Reason: %s must be an https:// (or, in trailbridge, http://) URL with a host.", member, member)
	}
	return nil
}

// blockOf names the AuthParameters block of an authorization type.
func blockOf(authType string) string {
	switch authType {
	case apidest.AuthBasic:
		return "BasicAuthParameters"
	case apidest.AuthAPIKey:
		return "ApiKeyAuthParameters"
	}
	return "OAuthParameters"
}

// checkBlocks refuses auth blocks of another type than authType.
func checkBlocks(ap *ConnectionAuthParameters, authType string) error {
	if ap == nil {
		return nil
	}
	for _, b := range []struct {
		name  string
		given bool
	}{
		{"BasicAuthParameters", ap.BasicAuthParameters != nil},
		{"ApiKeyAuthParameters", ap.ApiKeyAuthParameters != nil},
		{"OAuthParameters", ap.OAuthParameters != nil},
	} {
		if b.given && b.name != blockOf(authType) {
			return tb.Errorf(tb.CodeValidation, "Parameter(s) %s cannot be specified for authorization type %s.", b.name, authType)
		}
	}
	return nil
}

// ---- sealing ----

func (c *Connections) seal(s string) (string, error) {
	if c.Secrets == nil {
		return "", errors.New("connections: no Secrets to seal connection secrets with")
	}
	sealed, err := c.Secrets.Seal([]byte(s))
	if err != nil {
		return "", fmt.Errorf("seal connection secret: %w", err)
	}
	return sealed, nil
}

func (c *Connections) open(sealed string) (string, error) {
	if c.Secrets == nil {
		return "", errors.New("connections: no Secrets to open connection secrets with")
	}
	b, err := c.Secrets.Open(sealed)
	if err != nil {
		return "", fmt.Errorf("open connection secret: %w", err)
	}
	return string(b), nil
}

func (c *Connections) sealParams(p *ConnectionHttpParameters) (*storedParams, error) {
	if p == nil {
		return nil, nil
	}
	conv := func(in []ConnectionParameter) ([]storedParam, error) {
		var out []storedParam
		for _, prm := range in {
			sp := storedParam{Key: deref(prm.Key), IsValueSecret: prm.IsValueSecret != nil && *prm.IsValueSecret}
			if sp.IsValueSecret {
				sealed, err := c.seal(deref(prm.Value))
				if err != nil {
					return nil, err
				}
				sp.SealedValue = sealed
			} else {
				sp.Value = deref(prm.Value)
			}
			out = append(out, sp)
		}
		return out, nil
	}
	var sp storedParams
	var err error
	if sp.HeaderParameters, err = conv(p.HeaderParameters); err != nil {
		return nil, err
	}
	if sp.QueryStringParameters, err = conv(p.QueryStringParameters); err != nil {
		return nil, err
	}
	if sp.BodyParameters, err = conv(p.BodyParameters); err != nil {
		return nil, err
	}
	return &sp, nil
}

func (c *Connections) openParams(sp *storedParams) (apidest.Params, error) {
	var out apidest.Params
	if sp == nil {
		return out, nil
	}
	conv := func(in []storedParam) ([]apidest.Param, error) {
		var ps []apidest.Param
		for _, p := range in {
			if p.Key == "" {
				continue // the model allows it; there is nothing to send
			}
			v := p.Value
			if p.IsValueSecret {
				var err error
				if v, err = c.open(p.SealedValue); err != nil {
					return nil, err
				}
			}
			ps = append(ps, apidest.Param{Key: p.Key, Value: v, Secret: p.IsValueSecret})
		}
		return ps, nil
	}
	var err error
	if out.Headers, err = conv(sp.HeaderParameters); err != nil {
		return out, err
	}
	if out.Query, err = conv(sp.QueryStringParameters); err != nil {
		return out, err
	}
	out.Body, err = conv(sp.BodyParameters)
	return out, err
}

// sealedAuth is the sealed form of the secrets an AuthParameters gives; a
// nil pointer means the request did not give that secret.
type sealedAuth struct {
	password, apiKeyValue, clientSecret *string
	invocation, oauthParams             *storedParams
}

// sealAuth seals every secret of ap before the store's update function
// runs, because that function may run more than once.
func (c *Connections) sealAuth(ap *ConnectionAuthParameters) (*sealedAuth, error) {
	sa := &sealedAuth{}
	if ap == nil {
		return sa, nil
	}
	one := func(s *string) (*string, error) {
		if s == nil {
			return nil, nil
		}
		sealed, err := c.seal(*s)
		return &sealed, err
	}
	var err error
	if b := ap.BasicAuthParameters; b != nil {
		if sa.password, err = one(b.Password); err != nil {
			return nil, err
		}
	}
	if k := ap.ApiKeyAuthParameters; k != nil {
		if sa.apiKeyValue, err = one(k.ApiKeyValue); err != nil {
			return nil, err
		}
	}
	if o := ap.OAuthParameters; o != nil {
		if o.ClientParameters != nil {
			if sa.clientSecret, err = one(o.ClientParameters.ClientSecret); err != nil {
				return nil, err
			}
		}
		if sa.oauthParams, err = c.sealParams(o.OAuthHttpParameters); err != nil {
			return nil, err
		}
	}
	if sa.invocation, err = c.sealParams(ap.InvocationHttpParameters); err != nil {
		return nil, err
	}
	return sa, nil
}

// applyAuth merges an AuthParameters into sc: members given replace those
// stored; a changed authorization type drops the old type's block.
// InvocationHttpParameters and OAuthHttpParameters, when given, replace
// the stored ones whole.
func applyAuth(sc *storedConnection, ap *ConnectionAuthParameters, sa *sealedAuth) {
	switch sc.AuthorizationType {
	case apidest.AuthBasic:
		sc.APIKey, sc.OAuth = nil, nil
	case apidest.AuthAPIKey:
		sc.Basic, sc.OAuth = nil, nil
	case apidest.AuthOAuth:
		sc.Basic, sc.APIKey = nil, nil
	}
	if ap == nil {
		return
	}
	if b := ap.BasicAuthParameters; b != nil {
		if sc.Basic == nil {
			sc.Basic = &storedBasic{}
		}
		if b.Username != nil {
			sc.Basic.Username = *b.Username
		}
		if sa.password != nil {
			sc.Basic.SealedPassword = *sa.password
		}
	}
	if k := ap.ApiKeyAuthParameters; k != nil {
		if sc.APIKey == nil {
			sc.APIKey = &storedAPIKey{}
		}
		if k.ApiKeyName != nil {
			sc.APIKey.ApiKeyName = *k.ApiKeyName
		}
		if sa.apiKeyValue != nil {
			sc.APIKey.SealedApiKeyValue = *sa.apiKeyValue
		}
	}
	if o := ap.OAuthParameters; o != nil {
		if sc.OAuth == nil {
			sc.OAuth = &storedOAuth{}
		}
		if cp := o.ClientParameters; cp != nil && cp.ClientID != nil {
			sc.OAuth.ClientID = *cp.ClientID
		}
		if sa.clientSecret != nil {
			sc.OAuth.SealedClientSecret = *sa.clientSecret
		}
		if o.AuthorizationEndpoint != nil {
			sc.OAuth.AuthorizationEndpoint = *o.AuthorizationEndpoint
		}
		if o.HttpMethod != nil {
			sc.OAuth.HttpMethod = *o.HttpMethod
		}
		if o.OAuthHttpParameters != nil {
			sc.OAuth.OAuthHttpParameters = sa.oauthParams
		}
	}
	if ap.InvocationHttpParameters != nil {
		sc.Invocation = sa.invocation
	}
}

// complete checks that the connection's type has every member it needs.
func (sc *storedConnection) complete() error {
	var missing []string
	switch sc.AuthorizationType {
	case apidest.AuthBasic:
		if sc.Basic == nil || sc.Basic.Username == "" {
			missing = append(missing, "BasicAuthParameters.Username")
		}
		if sc.Basic == nil || sc.Basic.SealedPassword == "" {
			missing = append(missing, "BasicAuthParameters.Password")
		}
	case apidest.AuthAPIKey:
		if sc.APIKey == nil || sc.APIKey.ApiKeyName == "" {
			missing = append(missing, "ApiKeyAuthParameters.ApiKeyName")
		}
		if sc.APIKey == nil || sc.APIKey.SealedApiKeyValue == "" {
			missing = append(missing, "ApiKeyAuthParameters.ApiKeyValue")
		}
	case apidest.AuthOAuth:
		o := sc.OAuth
		if o == nil {
			o = &storedOAuth{}
		}
		for _, m := range []struct {
			name string
			ok   bool
		}{
			{"ClientParameters.ClientID", o.ClientID != ""},
			{"ClientParameters.ClientSecret", o.SealedClientSecret != ""},
			{"AuthorizationEndpoint", o.AuthorizationEndpoint != ""},
			{"HttpMethod", o.HttpMethod != ""},
		} {
			if !m.ok {
				missing = append(missing, "OAuthParameters."+m.name)
			}
		}
	}
	if len(missing) > 0 {
		return tb.Errorf(tb.CodeValidation, "Parameter(s) %s must be specified for authorization type %s.", strings.Join(missing, ", "), sc.AuthorizationType)
	}
	return nil
}

// authorize sets the state a connection with fresh credentials starts in:
// Basic and API key connections are authorized at once; OAuth connections
// are AUTHORIZING until a token is obtained. LastAuthorizedTime is set
// either way, as AWS's answers show it for an AUTHORIZING connection too.
func (sc *storedConnection) authorize(now time.Time) {
	sc.StateReason = ""
	sc.State = connAuthorized
	if sc.AuthorizationType == apidest.AuthOAuth {
		sc.State = connAuthorizing
	}
	sc.LastAuthorizedTime = now
}

// newSecretName names a connection's secret as EventBridge names it in
// Secrets Manager: events!connection/NAME/UUID-XXXXXX, where the UUID is
// not the connection's and XXXXXX is Secrets Manager's random suffix.
func newSecretName(name string) string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [6]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return "events!connection/" + name + "/" + newID() + "-" + string(b[:])
}

// ---- operations ----

// CreateConnection creates a connection. Basic and API key connections are
// AUTHORIZED at once; OAuth ones are AUTHORIZING until their first token.
func (c *Connections) CreateConnection(ctx context.Context, in *CreateConnectionInput) (*ConnectionStateOutput, error) {
	if err := checkConnection(in, true); err != nil {
		return nil, err
	}
	authType := *in.AuthorizationType
	if err := checkBlocks(in.AuthParameters, authType); err != nil {
		return nil, err
	}
	sa, err := c.sealAuth(in.AuthParameters)
	if err != nil {
		return nil, err
	}
	now := c.now()
	name := *in.Name
	sc := &storedConnection{
		Name:              name,
		UUID:              newID(),
		Description:       deref(in.Description),
		AuthorizationType: authType,
		KmsKeyIdentifier:  deref(in.KmsKeyIdentifier),
		SecretName:        newSecretName(name),
		CreationTime:      now,
		LastModifiedTime:  now,
	}
	applyAuth(sc, in.AuthParameters, sa)
	if err := sc.complete(); err != nil {
		return nil, err
	}
	sc.authorize(now)
	val, err := json.Marshal(sc)
	if err != nil {
		return nil, fmt.Errorf("CreateConnection: encode: %w", err)
	}
	err = c.EB.Resources.UpdateResource(ctx, kindConnection, name, func(cur json.RawMessage) (json.RawMessage, error) {
		if cur != nil {
			return nil, tb.Errorf(tb.CodeResourceAlreadyExists, "Connection %s already exists.", name)
		}
		return val, nil
	})
	if err != nil {
		return nil, err
	}
	return &ConnectionStateOutput{
		ConnectionArn:    c.connectionARN(name, sc.UUID),
		ConnectionState:  sc.State,
		CreationTime:     epoch(now),
		LastModifiedTime: epoch(now),
	}, nil
}

func checkConnectionRef(ref *ConnectionRef) error {
	var v violations
	v.str(ref.Name, "name", true, 1, 64, reConnName)
	return v.err()
}

func optEpoch(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

func paramsOutput(sp *storedParams) *ConnectionHttpParametersOutput {
	if sp == nil {
		return nil
	}
	conv := func(in []storedParam) []ConnectionParameterOutput {
		var out []ConnectionParameterOutput
		for _, p := range in {
			o := ConnectionParameterOutput{Key: p.Key, IsValueSecret: p.IsValueSecret}
			if !p.IsValueSecret {
				o.Value = ptr(p.Value)
			}
			out = append(out, o)
		}
		return out
	}
	return &ConnectionHttpParametersOutput{
		HeaderParameters:      conv(sp.HeaderParameters),
		QueryStringParameters: conv(sp.QueryStringParameters),
		BodyParameters:        conv(sp.BodyParameters),
	}
}

// DescribeConnection describes a connection without its secrets: Username,
// ApiKeyName, or the OAuth client ID, endpoint and method, and the values
// of parameters that are not secret.
func (c *Connections) DescribeConnection(_ context.Context, in *ConnectionRef) (*DescribeConnectionOutput, error) {
	if err := checkConnectionRef(in); err != nil {
		return nil, err
	}
	sc, err := c.loadConnection(*in.Name)
	if err != nil {
		return nil, err
	}
	if sc == nil {
		return nil, errNoConnection(*in.Name)
	}
	out := &DescribeConnectionOutput{
		ConnectionArn:      c.connectionARN(sc.Name, sc.UUID),
		Name:               sc.Name,
		Description:        emptyNil(sc.Description),
		ConnectionState:    sc.State,
		StateReason:        emptyNil(sc.StateReason),
		AuthorizationType:  sc.AuthorizationType,
		KmsKeyIdentifier:   emptyNil(sc.KmsKeyIdentifier),
		CreationTime:       epoch(sc.CreationTime),
		LastModifiedTime:   epoch(sc.LastModifiedTime),
		LastAuthorizedTime: optEpoch(sc.LastAuthorizedTime),
	}
	if sc.SecretName != "" {
		out.SecretArn = ptr(c.secretARN(sc.SecretName))
	}
	if sc.Basic != nil || sc.APIKey != nil || sc.OAuth != nil || sc.Invocation != nil {
		ap := &ConnectionAuthOutput{InvocationHttpParameters: paramsOutput(sc.Invocation)}
		if sc.Basic != nil {
			ap.BasicAuthParameters = &struct{ Username string }{sc.Basic.Username}
		}
		if sc.APIKey != nil {
			ap.ApiKeyAuthParameters = &struct{ ApiKeyName string }{sc.APIKey.ApiKeyName}
		}
		if o := sc.OAuth; o != nil {
			ap.OAuthParameters = &OAuthOutput{AuthorizationEndpoint: o.AuthorizationEndpoint, HttpMethod: o.HttpMethod, OAuthHttpParameters: paramsOutput(o.OAuthHttpParameters)}
			ap.OAuthParameters.ClientParameters.ClientID = o.ClientID
		}
		out.AuthParameters = ap
	}
	return out, nil
}

// ListConnections lists connections by name, filtered by NamePrefix and
// ConnectionState.
func (c *Connections) ListConnections(_ context.Context, in *ListConnectionsInput) (*ListConnectionsOutput, error) {
	var v violations
	v.str(in.NamePrefix, "namePrefix", false, 1, 64, reConnName)
	v.enum(in.ConnectionState, "connectionState", connStates...)
	v.str(in.NextToken, "nextToken", false, 1, 2048, nil)
	checkLimit(&v, in.Limit)
	if err := v.err(); err != nil {
		return nil, err
	}
	var conns []*storedConnection
	for _, name := range c.EB.Resources.ResourceNames(kindConnection) {
		if in.NamePrefix != nil && !strings.HasPrefix(name, *in.NamePrefix) {
			continue
		}
		sc, err := c.loadConnection(name)
		if err != nil {
			return nil, err
		}
		if sc == nil || in.ConnectionState != nil && sc.State != *in.ConnectionState {
			continue
		}
		conns = append(conns, sc)
	}
	sel, next, err := page("connections", conns, func(sc *storedConnection) string { return sc.Name }, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &ListConnectionsOutput{Connections: []ConnectionItem{}, NextToken: next}
	for _, sc := range sel {
		out.Connections = append(out.Connections, ConnectionItem{
			ConnectionArn:      c.connectionARN(sc.Name, sc.UUID),
			Name:               sc.Name,
			ConnectionState:    sc.State,
			StateReason:        emptyNil(sc.StateReason),
			AuthorizationType:  sc.AuthorizationType,
			CreationTime:       epoch(sc.CreationTime),
			LastModifiedTime:   epoch(sc.LastModifiedTime),
			LastAuthorizedTime: optEpoch(sc.LastAuthorizedTime),
		})
	}
	return out, nil
}

// UpdateConnection changes a connection. Members left out keep their
// values, field by field (a new Password alone keeps the Username);
// InvocationHttpParameters and OAuthHttpParameters, when given, replace
// the old ones whole. Changing AuthorizationType needs the new type's
// whole block. New credentials authorize the connection again (a
// deauthorized one too): at once for Basic and API key, after the next
// token for OAuth.
func (c *Connections) UpdateConnection(ctx context.Context, in *UpdateConnectionInput) (*ConnectionStateOutput, error) {
	cin := (*CreateConnectionInput)(in)
	if err := checkConnection(cin, false); err != nil {
		return nil, err
	}
	sa, err := c.sealAuth(in.AuthParameters)
	if err != nil {
		return nil, err
	}
	name := *in.Name
	now := c.now()
	out, err := c.change(ctx, name, func(sc *storedConnection) (bool, error) {
		if in.Description != nil {
			sc.Description = *in.Description
		}
		if in.KmsKeyIdentifier != nil {
			sc.KmsKeyIdentifier = *in.KmsKeyIdentifier
		}
		authType := sc.AuthorizationType
		if in.AuthorizationType != nil {
			authType = *in.AuthorizationType
		}
		if err := checkBlocks(in.AuthParameters, authType); err != nil {
			return false, err
		}
		ap := in.AuthParameters
		credentials := in.AuthorizationType != nil && *in.AuthorizationType != sc.AuthorizationType ||
			ap != nil && (ap.BasicAuthParameters != nil || ap.ApiKeyAuthParameters != nil || ap.OAuthParameters != nil)
		if credentials || ap != nil && ap.InvocationHttpParameters != nil {
			if sc.State == connDeauthorized && !credentials {
				return false, tb.Errorf(tb.CodeValidation, "Parameter(s) %s must be specified to authorize connection %s again.", blockOf(authType), name)
			}
			sc.AuthorizationType = authType
			applyAuth(sc, ap, sa)
			if err := sc.complete(); err != nil {
				return false, err
			}
		}
		if credentials {
			if sc.SecretName == "" {
				sc.SecretName = newSecretName(name)
			}
			sc.authorize(now)
		}
		sc.LastModifiedTime = now
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return c.stateOutput(out, out.State), nil
}

// DeauthorizeConnection removes every authorization parameter, secrets
// included, and leaves the connection DEAUTHORIZED until UpdateConnection
// gives it credentials again; its API destinations turn INACTIVE. The
// answer says DEAUTHORIZING, as AWS's does: the stored state is already
// DEAUTHORIZED.
func (c *Connections) DeauthorizeConnection(ctx context.Context, in *ConnectionRef) (*ConnectionStateOutput, error) {
	if err := checkConnectionRef(in); err != nil {
		return nil, err
	}
	name := *in.Name
	now := c.now()
	out, err := c.change(ctx, name, func(sc *storedConnection) (bool, error) {
		sc.Basic, sc.APIKey, sc.OAuth, sc.Invocation, sc.SecretName = nil, nil, nil, nil, ""
		sc.State = connDeauthorized
		sc.StateReason = "The authorization parameters were removed by DeauthorizeConnection."
		sc.LastModifiedTime = now
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return c.stateOutput(out, connDeauthorizing), nil
}

// DeleteConnection deletes a connection and its secrets. As the API model
// has no error for a connection in use, the API destinations that use it
// stay, INACTIVE, and their invocations fail (NO_RESOURCE) until they are
// given another connection. The answer says DELETING, as AWS's does.
func (c *Connections) DeleteConnection(ctx context.Context, in *ConnectionRef) (*ConnectionStateOutput, error) {
	if err := checkConnectionRef(in); err != nil {
		return nil, err
	}
	name := *in.Name
	gone, err := c.change(ctx, name, func(*storedConnection) (bool, error) { return false, nil })
	if err != nil {
		return nil, err
	}
	return c.stateOutput(gone, connDeleting), nil
}

// change applies fn to the stored connection called name by
// compare-and-set (fn may run again on a newer version); fn returns false
// to delete the connection. It returns the connection as fn left it.
func (c *Connections) change(ctx context.Context, name string, fn func(sc *storedConnection) (keep bool, err error)) (*storedConnection, error) {
	var out *storedConnection
	err := c.EB.Resources.UpdateResource(ctx, kindConnection, name, func(cur json.RawMessage) (json.RawMessage, error) {
		if cur == nil {
			return nil, errNoConnection(name)
		}
		sc, err := decodeConnection(cur)
		if err != nil {
			return nil, err
		}
		keep, err := fn(sc)
		out = sc
		if err != nil || !keep {
			return nil, err
		}
		return json.Marshal(sc)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// stateOutput is the answer of the actions that change a connection, with
// the state they report.
func (c *Connections) stateOutput(sc *storedConnection, state string) *ConnectionStateOutput {
	return &ConnectionStateOutput{
		ConnectionArn:      c.connectionARN(sc.Name, sc.UUID),
		ConnectionState:    state,
		CreationTime:       epoch(sc.CreationTime),
		LastModifiedTime:   epoch(sc.LastModifiedTime),
		LastAuthorizedTime: optEpoch(sc.LastAuthorizedTime),
	}
}

// Authorized records the outcome of an OAuth token request for a
// connection that is AUTHORIZING (apidest.AuthorizationReporter): success
// makes it AUTHORIZED; a failure stays AUTHORIZING with the reason, which
// holds no secret. Connections in any other state are left alone.
func (c *Connections) Authorized(ctx context.Context, connection string, tokenErr error) {
	now := c.now()
	err := c.EB.Resources.UpdateResource(ctx, kindConnection, connection, func(cur json.RawMessage) (json.RawMessage, error) {
		if cur == nil {
			return nil, nil
		}
		sc, err := decodeConnection(cur)
		if err != nil || sc.State != connAuthorizing {
			return cur, err
		}
		if tokenErr == nil {
			sc.State, sc.StateReason, sc.LastAuthorizedTime = connAuthorized, "", now
		} else {
			reason := tokenErr.Error()
			if len(reason) > 512 { // the model's limit for StateReason
				reason = reason[:509] + "..."
			}
			if reason == sc.StateReason {
				return cur, nil
			}
			sc.StateReason = reason
		}
		return json.Marshal(sc)
	})
	if err != nil && c.EB.Log != nil {
		c.EB.Log.Warn("could not record the authorization of a connection", "connection", connection, "err", err)
	}
}

// openConnection turns a stored connection into the apidest form with its
// secrets opened.
func (c *Connections) openConnection(sc *storedConnection) (*apidest.Connection, error) {
	ac := &apidest.Connection{
		ARN:   c.connectionARN(sc.Name, sc.UUID),
		Name:  sc.Name,
		State: sc.State,
		Auth:  apidest.Auth{Type: sc.AuthorizationType},
	}
	var err error
	switch {
	case sc.Basic != nil:
		ac.Auth.Username = sc.Basic.Username
		ac.Auth.Password, err = c.open(sc.Basic.SealedPassword)
	case sc.APIKey != nil:
		ac.Auth.APIKeyName = sc.APIKey.ApiKeyName
		ac.Auth.APIKeyValue, err = c.open(sc.APIKey.SealedApiKeyValue)
	case sc.OAuth != nil:
		o := &apidest.OAuth{ClientID: sc.OAuth.ClientID, Endpoint: sc.OAuth.AuthorizationEndpoint, Method: sc.OAuth.HttpMethod}
		if o.ClientSecret, err = c.open(sc.OAuth.SealedClientSecret); err == nil {
			o.Params, err = c.openParams(sc.OAuth.OAuthHttpParameters)
		}
		ac.Auth.OAuth = o
	}
	if err != nil {
		return nil, fmt.Errorf("connection %s: %w", sc.Name, err)
	}
	if ac.Invocation, err = c.openParams(sc.Invocation); err != nil {
		return nil, fmt.Errorf("connection %s: %w", sc.Name, err)
	}
	return ac, nil
}

// connectionOf finds the connection an API destination's ConnectionArn
// names; nil when it no longer exists (deleted, or deleted and created
// again under the same name: the ARN's UUID then differs).
func (c *Connections) connectionOf(arn string) (*storedConnection, error) {
	name, uuid, ok := c.parseConnectionARN(arn)
	if !ok {
		return nil, nil
	}
	sc, err := c.loadConnection(name)
	if err != nil || sc == nil || sc.UUID != uuid {
		return nil, err
	}
	return sc, nil
}

// parseConnectionARN reads NAME and UUID from a connection ARN of this
// region and account.
func (c *Connections) parseConnectionARN(arn string) (name, uuid string, ok bool) {
	p := c.EB.Place
	rest, ok := strings.CutPrefix(arn, "arn:aws:events:"+p.Region+":"+p.Account+":connection/")
	if !ok {
		return "", "", false
	}
	name, uuid, ok = strings.Cut(rest, "/")
	return name, uuid, ok && name != "" && uuid != "" && !strings.Contains(uuid, "/")
}
