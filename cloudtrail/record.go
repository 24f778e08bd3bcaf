package cloudtrail

import (
	"encoding/json"
)

// Version is the eventVersion that records made by trailbridge carry.
const Version = "1.11"

// Hidden is what CloudTrail writes in place of a value too sensitive to log.
const Hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

// The event types of CloudTrail records (eventType).
const (
	EventTypeAPICall       = "AwsApiCall"
	EventTypeServiceEvent  = "AwsServiceEvent"
	EventTypeConsoleAction = "AwsConsoleAction"
	EventTypeConsoleSignIn = "AwsConsoleSignIn"
	EventTypeInsight       = "AwsCloudTrailInsight"
	EventTypeVpceEvent     = "AwsVpceEvent"
)

// The event categories (eventCategory).
const (
	CategoryManagement      = "Management"
	CategoryData            = "Data"
	CategoryInsight         = "Insight"
	CategoryNetworkActivity = "NetworkActivity"
)

// Record is one CloudTrail event record. Fields whose content differs by
// service (requestParameters, responseElements, …) are raw JSON: a nil
// value is absent, json.RawMessage("null") is written as null, which is
// how CloudTrail writes reads without response elements.
//
// A Record is a plain value; it is not safe for concurrent modification.
type Record struct {
	EventVersion                 string          `json:"eventVersion"`
	UserIdentity                 *UserIdentity   `json:"userIdentity,omitempty"`
	EventTime                    string          `json:"eventTime"`
	EventSource                  string          `json:"eventSource,omitempty"`
	EventName                    string          `json:"eventName,omitempty"`
	AWSRegion                    string          `json:"awsRegion"`
	SourceIPAddress              string          `json:"sourceIPAddress,omitempty"`
	UserAgent                    string          `json:"userAgent,omitempty"`
	ErrorCode                    string          `json:"errorCode,omitempty"`
	ErrorMessage                 string          `json:"errorMessage,omitempty"`
	RequestParameters            json.RawMessage `json:"requestParameters,omitempty"`
	ResponseElements             json.RawMessage `json:"responseElements,omitempty"`
	AdditionalEventData          json.RawMessage `json:"additionalEventData,omitempty"`
	RequestID                    string          `json:"requestID,omitempty"`
	EventID                      string          `json:"eventID"`
	ReadOnly                     *bool           `json:"readOnly,omitempty"`
	Resources                    []Resource      `json:"resources,omitempty"`
	APIVersion                   string          `json:"apiVersion,omitempty"`
	EventType                    string          `json:"eventType"`
	ManagementEvent              *bool           `json:"managementEvent,omitempty"`
	RecipientAccountID           string          `json:"recipientAccountId,omitempty"`
	SharedEventID                string          `json:"sharedEventID,omitempty"`
	VPCEndpointID                string          `json:"vpcEndpointId,omitempty"`
	VPCEndpointAccountID         string          `json:"vpcEndpointAccountId,omitempty"`
	ServiceEventDetails          json.RawMessage `json:"serviceEventDetails,omitempty"`
	EventCategory                string          `json:"eventCategory"`
	InsightDetails               json.RawMessage `json:"insightDetails,omitempty"`
	Addendum                     *Addendum       `json:"addendum,omitempty"`
	SessionCredentialFromConsole string          `json:"sessionCredentialFromConsole,omitempty"` // "true" when set: a string, as CloudTrail writes it
	EdgeDeviceDetails            json.RawMessage `json:"edgeDeviceDetails,omitempty"`
	TLSDetails                   *TLSDetails     `json:"tlsDetails,omitempty"`
	EventContext                 json.RawMessage `json:"eventContext,omitempty"`
	Annotation                   string          `json:"annotation,omitempty"`

	// Other holds the fields this type does not know (a newer minor
	// version's), and known fields that a record carried with an empty
	// value, so that a record read and written again is unchanged.
	Other map[string]json.RawMessage `json:"-"`
}

// UserIdentity is the record's userIdentity: who made the call.
type UserIdentity struct {
	Type              string             `json:"type,omitempty"`
	PrincipalID       string             `json:"principalId,omitempty"`
	ARN               string             `json:"arn,omitempty"`
	AccountID         string             `json:"accountId,omitempty"`
	AccessKeyID       string             `json:"accessKeyId,omitempty"`
	UserName          string             `json:"userName,omitempty"`
	SessionContext    *SessionContext    `json:"sessionContext,omitempty"`
	InvokedBy         string             `json:"invokedBy,omitempty"`
	IdentityProvider  string             `json:"identityProvider,omitempty"`
	CredentialID      string             `json:"credentialId,omitempty"`
	OnBehalfOf        *OnBehalfOf        `json:"onBehalfOf,omitempty"`
	InScopeOf         *InScopeOf         `json:"inScopeOf,omitempty"`
	InvokedByDelegate *InvokedByDelegate `json:"invokedByDelegate,omitempty"`

	Other map[string]json.RawMessage `json:"-"` // as Record.Other
}

// The userIdentity types CloudTrail writes.
const (
	IdentityRoot               = "Root"
	IdentityIAMUser            = "IAMUser"
	IdentityAssumedRole        = "AssumedRole"
	IdentityFederatedUser      = "FederatedUser"
	IdentityAWSAccount         = "AWSAccount"
	IdentityAWSService         = "AWSService"
	IdentityDirectory          = "Directory"
	IdentityUnknown            = "Unknown"
	IdentitySAMLUser           = "SAMLUser"
	IdentityWebIdentityUser    = "WebIdentityUser"
	IdentityIdentityCenterUser = "IdentityCenterUser"
)

// SessionContext describes temporary credentials.
type SessionContext struct {
	SessionIssuer       *SessionIssuer       `json:"sessionIssuer,omitempty"`
	WebIDFederationData *WebIDFederationData `json:"webIdFederationData,omitempty"`
	Attributes          *SessionAttributes   `json:"attributes,omitempty"`
	SourceIdentity      string               `json:"sourceIdentity,omitempty"`
	EC2RoleDelivery     string               `json:"ec2RoleDelivery,omitempty"`

	Other map[string]json.RawMessage `json:"-"`
}

// SessionIssuer is the principal that issued temporary credentials.
type SessionIssuer struct {
	Type        string `json:"type,omitempty"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	UserName    string `json:"userName,omitempty"`
}

// WebIDFederationData names the web identity provider of a session.
type WebIDFederationData struct {
	FederatedProvider string          `json:"federatedProvider,omitempty"`
	Attributes        json.RawMessage `json:"attributes,omitempty"`
}

// SessionAttributes are a session's creation time and MFA state.
// MFAAuthenticated is the string "true" or "false", as CloudTrail writes it.
type SessionAttributes struct {
	CreationDate     string `json:"creationDate,omitempty"`
	MFAAuthenticated string `json:"mfaAuthenticated,omitempty"`
}

// OnBehalfOf is the IAM Identity Center user a call was made for.
type OnBehalfOf struct {
	UserID           string `json:"userId,omitempty"`
	IdentityStoreARN string `json:"identityStoreArn,omitempty"`
}

// InScopeOf names the resource credentials were issued to.
type InScopeOf struct {
	IssuerType          string `json:"issuerType,omitempty"`
	CredentialsIssuedTo string `json:"credentialsIssuedTo,omitempty"`
	SourceARN           string `json:"sourceArn,omitempty"`
	SourceAccount       string `json:"sourceAccount,omitempty"`
}

// InvokedByDelegate is the account a delegated call came from.
type InvokedByDelegate struct {
	AccountID string `json:"accountId,omitempty"`
}

// Resource is one entry of a record's resources. CloudTrail writes the
// ARN key in upper case.
type Resource struct {
	ARN       string `json:"ARN,omitempty"`
	AccountID string `json:"accountId,omitempty"`
	Type      string `json:"type,omitempty"`
}

// TLSDetails describes the connection a call came over.
type TLSDetails struct {
	TLSVersion               string `json:"tlsVersion,omitempty"`
	CipherSuite              string `json:"cipherSuite,omitempty"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader,omitempty"`
}

// Addendum explains a record delivered late or corrected.
type Addendum struct {
	Reason            string `json:"reason,omitempty"`
	UpdatedFields     string `json:"updatedFields,omitempty"`
	OriginalRequestID string `json:"originalRequestID,omitempty"`
	OriginalEventID   string `json:"originalEventID,omitempty"`
}

// Bool returns a pointer to b, for ReadOnly and ManagementEvent.
func Bool(b bool) *bool { return &b }

type (
	recordFields         Record
	userIdentityFields   UserIdentity
	sessionContextFields SessionContext
)

// MarshalJSON writes the record with its fields in CloudTrail's order,
// followed by the fields kept in Other.
func (r *Record) MarshalJSON() ([]byte, error) {
	return marshalKeeping((*recordFields)(r), r.Other)
}

// UnmarshalJSON reads a record, keeping what the type does not know in Other.
func (r *Record) UnmarshalJSON(b []byte) error {
	*r = Record{}
	other, err := unmarshalKeeping(b, (*recordFields)(r))
	r.Other = other
	return err
}

// MarshalJSON writes the identity, followed by the fields kept in Other.
func (u *UserIdentity) MarshalJSON() ([]byte, error) {
	return marshalKeeping((*userIdentityFields)(u), u.Other)
}

// UnmarshalJSON reads an identity, keeping what the type does not know in Other.
func (u *UserIdentity) UnmarshalJSON(b []byte) error {
	*u = UserIdentity{}
	other, err := unmarshalKeeping(b, (*userIdentityFields)(u))
	u.Other = other
	return err
}

// MarshalJSON writes the session context, followed by the fields kept in Other.
func (s *SessionContext) MarshalJSON() ([]byte, error) {
	return marshalKeeping((*sessionContextFields)(s), s.Other)
}

// UnmarshalJSON reads a session context, keeping what the type does not know in Other.
func (s *SessionContext) UnmarshalJSON(b []byte) error {
	*s = SessionContext{}
	other, err := unmarshalKeeping(b, (*sessionContextFields)(s))
	s.Other = other
	return err
}
