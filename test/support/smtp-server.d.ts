// Minimal types for the smtp-server test peer (no @types package is installed).
declare module 'smtp-server' {
  export interface SMTPServerOptions {
    secure?: boolean;
    authOptional?: boolean;
    disabledCommands?: string[];
    allowInsecureAuth?: boolean;
    onAuth?: (
      auth: { username?: string; password?: string },
      session: unknown,
      cb: (err: Error | null, res?: { user: string }) => void,
    ) => void;
    onData?: (
      stream: NodeJS.ReadableStream,
      session: { user?: string; secure?: boolean },
      cb: (err?: Error | null) => void,
    ) => void;
    logger?: boolean;
  }
  export class SMTPServer {
    constructor(opts: SMTPServerOptions);
    listen(port: number, host: string, cb: () => void): void;
    close(cb: () => void): void;
    server: import('node:net').Server;
  }
}
