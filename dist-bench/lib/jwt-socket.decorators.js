"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.EncodedToken = exports.DecodedToken = void 0;
const common_1 = require("@nestjs/common");
const jwt_socket_session_1 = require("./jwt-socket.session");
function clientOf(context) {
    return context.switchToWs().getClient();
}
/** `@DecodedToken()` the verified claims; `@DecodedToken('sub')` one claim. */
exports.DecodedToken = (0, common_1.createParamDecorator)((claim, context) => {
    const claims = (0, jwt_socket_session_1.getDecodedToken)(clientOf(context));
    return claim === undefined ? claims : claims?.[claim];
});
/** `@EncodedToken()` the raw token the socket authenticated with (kept on this node only). */
exports.EncodedToken = (0, common_1.createParamDecorator)((_, context) => (0, jwt_socket_session_1.getEncodedToken)(clientOf(context)));
