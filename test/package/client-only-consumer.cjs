// The /client entry must load where no Nest, socket.io or jsonwebtoken is installed.
for (const absent of ['@nestjs/common', '@nestjs/core', 'socket.io', 'jsonwebtoken']) {
  try {
    require.resolve(absent);
    throw new Error(`${absent} is installed in the client-only consumer; the check would prove nothing`);
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error;
  }
}
const client = require('nestjs-socketio-jwt/client');
if (!client.isUnauthorizedError({ data: { type: 'UnauthorizedError', code: 'invalid_token' } }))
  throw new Error('isUnauthorizedError');
const serverSide = Object.keys(require.cache).filter((file) =>
  /node_modules[\\/](jsonwebtoken|@nestjs|socket\.io)[\\/]/.test(file),
);
if (serverSide.length > 0) throw new Error(`the client entry loaded server code: ${serverSide.join(', ')}`);
console.log('client-only consumer ok');
