package democloud

import (
	"net/http"
	"slices"
	"strings"
)

var iamOps = map[string]operation{
	"CreateUser":               op((*Cloud).createUser),
	"GetUser":                  op((*Cloud).getUser),
	"AttachUserPolicy":         op((*Cloud).attachUserPolicy),
	"DetachUserPolicy":         op((*Cloud).detachUserPolicy),
	"ListAttachedUserPolicies": op((*Cloud).listAttachedUserPolicies),
	"CreateLoginProfile":       op((*Cloud).createLoginProfile),
	"GetLoginProfile":          op((*Cloud).getLoginProfile),
	"UpdateLoginProfile":       op((*Cloud).updateLoginProfile),
	"DeleteLoginProfile":       op((*Cloud).deleteLoginProfile),
}

// iamTag is a tag in IAM's (and RDS's and S3's) shapes.
type iamTag struct {
	Key   string `json:"Key" xml:"Key"`
	Value string `json:"Value" xml:"Value"`
}

func toTags(in []iamTag) []Tag {
	out := make([]Tag, len(in))
	for i, t := range in {
		out[i] = Tag(t)
	}
	return out
}

func fromTags(in []Tag) []iamTag {
	out := make([]iamTag, len(in))
	for i, t := range in {
		out[i] = iamTag(t)
	}
	return out
}

type userShape struct {
	Path       string   `json:"Path" xml:"Path"`
	UserName   string   `json:"UserName" xml:"UserName"`
	UserId     string   `json:"UserId" xml:"UserId"`
	Arn        string   `json:"Arn" xml:"Arn"`
	CreateDate awsTime  `json:"CreateDate" xml:"CreateDate"`
	Tags       []iamTag `json:"Tags,omitempty" xml:"Tags>member,omitempty"`
}

func (u *User) shape() userShape {
	return userShape{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN, CreateDate: awsTime(u.Created), Tags: fromTags(u.Tags)}
}

// validationError is the error AWS's front end answers for a member that
// breaks its model's constraints.
func validationError(member, constraint string, value *string) *apiError {
	v := "null"
	if value != nil {
		v = "'" + *value + "'"
	}
	return errorf(http.StatusBadRequest, "ValidationError",
		"1 validation error detected: Value %s at '%s' failed to satisfy constraint: %s", v, member, constraint)
}

// checkIAMName checks a user name: 1 to 64 of [\w+=,.@-].
func checkIAMName(member, v string) error {
	if v == "" {
		return validationError(member, "Member must not be null", nil)
	}
	if len(v) > 64 {
		return validationError(member, "Member must have length less than or equal to 64", &v)
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_+=,.@-", r)) {
			return validationError(member, `Member must satisfy regular expression pattern: [\w+=,.@-]+`, &v)
		}
	}
	return nil
}

// user returns the user named name or NoSuchEntity. c.mu is held.
func (c *Cloud) user(name string) (*User, error) {
	if err := checkIAMName("userName", name); err != nil {
		return nil, err
	}
	u, ok := c.users[name]
	if !ok {
		return nil, errorf(http.StatusNotFound, "NoSuchEntity", "The user with name %s cannot be found.", name)
	}
	return u, nil
}

type createUserInput struct {
	UserName string   `json:"UserName"`
	Path     string   `json:"Path"`
	Tags     []iamTag `json:"Tags" query:"Tags,member"`
}

type userOutput struct {
	User userShape `json:"User" xml:"User"`
}

func (c *Cloud) createUser(cl *call, in *createUserInput) (*userOutput, error) {
	if err := checkIAMName("userName", in.UserName); err != nil {
		return nil, err
	}
	path := in.Path
	if path == "" {
		path = "/"
	}
	if !strings.HasPrefix(path, "/") || !strings.HasSuffix(path, "/") || len(path) > 512 {
		return nil, validationError("path", `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, &path)
	}
	if _, ok := c.users[in.UserName]; ok {
		return nil, errorf(http.StatusConflict, "EntityAlreadyExists", "User with name %s already exists.", in.UserName)
	}
	u := &User{
		Name:    in.UserName,
		Path:    path,
		ID:      c.iamID("AIDA"),
		ARN:     "arn:aws:iam::" + c.account + ":user" + path + in.UserName,
		Created: cl.now,
		Tags:    toTags(in.Tags),
	}
	c.users[u.Name] = u
	return &userOutput{User: u.shape()}, nil
}

type userNameInput struct {
	UserName string `json:"UserName"`
}

func (c *Cloud) getUser(cl *call, in *userNameInput) (*userOutput, error) {
	u, err := c.user(in.UserName)
	if err != nil {
		return nil, err
	}
	return &userOutput{User: u.shape()}, nil
}

type userPolicyInput struct {
	UserName  string `json:"UserName"`
	PolicyArn string `json:"PolicyArn"`
}

// checkPolicyARN checks a managed policy ARN's shape. Policies are not
// modelled: any well-formed ARN names one.
func checkPolicyARN(arn string) error {
	if arn == "" {
		return validationError("policyArn", "Member must not be null", nil)
	}
	if len(arn) < 20 || len(arn) > 2048 || !strings.HasPrefix(arn, "arn:") {
		return errorf(http.StatusBadRequest, "InvalidInput", "ARN %s is not valid.", arn)
	}
	return nil
}

func (c *Cloud) attachUserPolicy(cl *call, in *userPolicyInput) (*noResult, error) {
	u, err := c.user(in.UserName)
	if err != nil {
		return nil, err
	}
	if err := checkPolicyARN(in.PolicyArn); err != nil {
		return nil, err
	}
	if !slices.Contains(u.Policies, in.PolicyArn) {
		u.Policies = append(u.Policies, in.PolicyArn)
	}
	return &noResult{}, nil
}

func (c *Cloud) detachUserPolicy(cl *call, in *userPolicyInput) (*noResult, error) {
	u, err := c.user(in.UserName)
	if err != nil {
		return nil, err
	}
	if err := checkPolicyARN(in.PolicyArn); err != nil {
		return nil, err
	}
	i := slices.Index(u.Policies, in.PolicyArn)
	if i < 0 {
		return nil, errorf(http.StatusNotFound, "NoSuchEntity", "Policy %s was not found.", in.PolicyArn)
	}
	u.Policies = slices.Delete(u.Policies, i, i+1)
	return &noResult{}, nil
}

type attachedPolicy struct {
	PolicyName string `json:"PolicyName" xml:"PolicyName"`
	PolicyArn  string `json:"PolicyArn" xml:"PolicyArn"`
}

type listAttachedUserPoliciesOutput struct {
	AttachedPolicies []attachedPolicy `json:"AttachedPolicies" xml:"AttachedPolicies>member"`
	IsTruncated      bool             `json:"IsTruncated" xml:"IsTruncated"`
}

func (c *Cloud) listAttachedUserPolicies(cl *call, in *userNameInput) (*listAttachedUserPoliciesOutput, error) {
	u, err := c.user(in.UserName)
	if err != nil {
		return nil, err
	}
	out := &listAttachedUserPoliciesOutput{AttachedPolicies: []attachedPolicy{}}
	for _, arn := range u.Policies {
		out.AttachedPolicies = append(out.AttachedPolicies, attachedPolicy{PolicyName: arn[strings.LastIndex(arn, "/")+1:], PolicyArn: arn})
	}
	return out, nil
}

type loginProfileInput struct {
	UserName              string `json:"UserName"`
	Password              string `json:"Password"`
	PasswordResetRequired *bool  `json:"PasswordResetRequired"`
}

type loginProfileShape struct {
	UserName              string  `json:"UserName" xml:"UserName"`
	CreateDate            awsTime `json:"CreateDate" xml:"CreateDate"`
	PasswordResetRequired bool    `json:"PasswordResetRequired" xml:"PasswordResetRequired"`
}

type loginProfileOutput struct {
	LoginProfile loginProfileShape `json:"LoginProfile" xml:"LoginProfile"`
}

// loginProfile returns u's login profile or NoSuchEntity.
func loginProfile(u *User) (*loginProfileOutput, error) {
	if u.Login != LoginEnabled {
		return nil, errorf(http.StatusNotFound, "NoSuchEntity", "Login Profile for User %s cannot be found.", u.Name)
	}
	return &loginProfileOutput{LoginProfile: loginProfileShape{UserName: u.Name, CreateDate: awsTime(u.loginCreated), PasswordResetRequired: u.PasswordResetRequired}}, nil
}

func (c *Cloud) createLoginProfile(cl *call, in *loginProfileInput) (*loginProfileOutput, error) {
	u, err := c.user(in.UserName)
	if err != nil {
		return nil, err
	}
	if u.Login == LoginEnabled {
		return nil, errorf(http.StatusConflict, "EntityAlreadyExists", "Login Profile for user %s already exists.", u.Name)
	}
	u.Login, u.loginCreated = LoginEnabled, cl.now
	u.PasswordResetRequired = in.PasswordResetRequired != nil && *in.PasswordResetRequired
	return loginProfile(u)
}

func (c *Cloud) getLoginProfile(cl *call, in *userNameInput) (*loginProfileOutput, error) {
	u, err := c.user(in.UserName)
	if err != nil {
		return nil, err
	}
	return loginProfile(u)
}

// updateLoginProfile changes the password or its reset flag. To disable
// console access, delete the login profile, as on AWS.
func (c *Cloud) updateLoginProfile(cl *call, in *loginProfileInput) (*noResult, error) {
	u, err := c.user(in.UserName)
	if err != nil {
		return nil, err
	}
	if _, err := loginProfile(u); err != nil {
		return nil, err
	}
	if in.PasswordResetRequired != nil {
		u.PasswordResetRequired = *in.PasswordResetRequired
	}
	return &noResult{}, nil
}

// deleteLoginProfile takes console access away; the user's state becomes
// LoginDisabled.
func (c *Cloud) deleteLoginProfile(cl *call, in *userNameInput) (*noResult, error) {
	u, err := c.user(in.UserName)
	if err != nil {
		return nil, err
	}
	if _, err := loginProfile(u); err != nil {
		return nil, err
	}
	u.Login = LoginDisabled
	u.PasswordResetRequired = false
	return &noResult{}, nil
}
