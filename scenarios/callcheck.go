package scenarios

import (
	"errors"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
)

// callProblems builds the call of spec and returns every problem with it,
// not only the first: contract.NewCall stops at one, so each field it
// rejects is set back to its default and the call built again. A scenario
// file's author fixes them all in one go.
func callProblems(spec contract.CallSpec) (*contract.Call, []error) {
	var errs []error
	for range 8 { // more than the fields NewCall checks
		call, err := contract.NewCall(spec)
		if err == nil {
			if len(errs) > 0 {
				return nil, errs
			}
			return call, nil
		}
		errs = append(errs, err)
		var ie *contract.InputError
		if !errors.As(err, &ie) || !clearField(&spec, ie.Field) {
			return nil, errs
		}
	}
	return nil, errs
}

// clearField resets the field of spec an InputError names; false when it
// names none.
func clearField(spec *contract.CallSpec, field string) bool {
	switch field {
	case "api-version":
		spec.APIVersion = ""
	case "direction":
		spec.Direction = ""
	case "dial-status":
		spec.DialStatus = ""
	case "from":
		spec.From = ""
	case "to":
		spec.To = ""
	case "account-sid":
		spec.AccountSid = ""
	case "param":
		var kept contract.Params
		for _, kv := range spec.Params {
			if kv.Key != "" {
				kept = append(kept, kv)
			}
		}
		spec.Params = kept
	default:
		return false
	}
	return true
}

// optionProblems is every problem simulate.Options.Validate finds, as
// callProblems is for the call.
func optionProblems(opt simulate.Options) []error {
	var errs []error
	for range 12 {
		err := opt.Validate()
		if err == nil {
			return errs
		}
		errs = append(errs, err)
		var ie *contract.InputError
		if !errors.As(err, &ie) {
			return errs
		}
		switch ie.Field {
		case "method":
			opt.Method = ""
		case "fallback-method":
			opt.FallbackMethod = ""
		case "status-callback-method":
			opt.StatusCallbackMethod = ""
		case "fallback-url":
			opt.FallbackURL = ""
		case "status-callback":
			opt.StatusCallback = ""
		case "signing-url":
			opt.SigningURL = ""
		case "status-events":
			opt.StatusEvents = nil
		case "timeout":
			opt.Timeout = 0
		case "max-steps":
			opt.MaxSteps = 0
		default:
			return errs
		}
	}
	return errs
}
