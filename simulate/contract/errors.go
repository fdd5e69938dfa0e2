package contract

import "fmt"

// InputError is bad input from the user: an option, flag or scenario key and
// what is wrong with it. Commands report it on one line and exit 2.
type InputError struct {
	Field string // option name without dashes, e.g. "from", "dial-status"
	Value string
	Msg   string
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// NewInputError makes an input error naming the field and value.
func NewInputError(field, value, format string, args ...any) *InputError {
	return &InputError{Field: field, Value: value, Msg: fmt.Sprintf(format, args...)}
}

// TwilioError is a failure the way Twilio's debugger reports it: an error
// code from Twilio's dictionary and its words.
type TwilioError struct {
	Code       int    `json:"code"`
	Message    string `json:"message"`
	HTTPStatus int    `json:"http_status,omitempty"`
	Warning    bool   `json:"warning,omitempty"`
	Line       int    `json:"line,omitempty"`
}

func (e *TwilioError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Message) }

// Error codes callsim reports, with the words Twilio's dictionary uses.
const (
	ErrInvalidURL          = 11100
	ErrHTTPRetrieval       = 11200
	ErrConnectionRefused   = 11202
	ErrTotalTimeout        = 11203
	ErrConnection          = 11205
	ErrProtocol            = 11206
	ErrBadHost             = 11210
	ErrTooManyRedirects    = 11215
	ErrHTTPErrorResponse   = 11217
	ErrTLSHandshake        = 11220
	ErrCertDomain          = 11235
	ErrCertExpired         = 11236
	ErrCertUntrusted       = 11237
	ErrResponseTooLarge    = 11750
	ErrEmptyChunked        = 11770
	ErrDocumentParse       = 12100
	ErrRootNotResponse     = 12102
	ErrSchemaWarning       = 12200
	ErrInvalidContentType  = 12300
	ErrInternal            = 12400
	ErrVerbNotSupportedNow = 13750
	ErrCallbackResponse    = 15003
)

var errorWords = map[int]string{
	ErrInvalidURL:         "Invalid URL format",
	ErrHTTPRetrieval:      "HTTP retrieval failure",
	ErrConnectionRefused:  "HTTP connection failure",
	ErrTotalTimeout:       "HTTP timeout",
	ErrConnection:         "HTTP connection failure",
	ErrProtocol:           "HTTP protocol violation",
	ErrBadHost:            "HTTP bad host name",
	ErrTooManyRedirects:   "HTTP too many redirects",
	ErrHTTPErrorResponse:  "HTTP error response",
	ErrTLSHandshake:       "TLS handshake error",
	ErrCertDomain:         "Certificate domain mismatch",
	ErrCertExpired:        "Certificate expired",
	ErrCertUntrusted:      "Certificate has no path to a trusted root",
	ErrResponseTooLarge:   "TwiML response body too large",
	ErrEmptyChunked:       "Chunked response with empty body",
	ErrDocumentParse:      "Document parse failure",
	ErrRootNotResponse:    "Invalid root element: must be <Response>",
	ErrSchemaWarning:      "Schema validation warning",
	ErrInvalidContentType: "Invalid Content-Type",
	ErrInternal:           "Internal failure",
	ErrCallbackResponse:   "Call Progress: Warning Response to Callback URL",
}

// ErrorWords returns Twilio's short description of an error code.
func ErrorWords(code int) string { return errorWords[code] }

// NewTwilioError makes a Twilio error with a formatted message.
func NewTwilioError(code int, format string, args ...any) *TwilioError {
	msg := errorWords[code]
	if format != "" {
		msg += ": " + fmt.Sprintf(format, args...)
	}
	return &TwilioError{Code: code, Message: msg}
}
