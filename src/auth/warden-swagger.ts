import type { INestApplicationContext } from '@nestjs/common';
import { APP_GUARD, ModulesContainer } from '@nestjs/core';
import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponsesObject,
  SecurityRequirementObject,
} from '@nestjs/swagger';
import { UNSAFE_METHODS } from '../security/csrf.js';
import { SessionService } from '../session/session.service.js';
import { TokenService } from '../tokens/token.service.js';
import { WARDEN_PUBLIC_EXTENSION } from './auth.constants.js';
import { WardenAuthGuard } from './guards/warden-auth.guard.js';

/** Options of {@link wardenSwagger}. */
export interface WardenSwaggerOptions {
  /**
   * Whether `WardenAuthGuard` guards every route (`APP_GUARD` or `app.useGlobalGuards`): then
   * every operation not marked `@Public()` gets the security entry and its 401/403.
   * @default true when an `APP_GUARD` provider of the app is a `WardenAuthGuard`
   */
  globalGuard?: boolean;
}

/** Names of the security schemes `@Auth()` references (`ApiCookieAuth`, `ApiBearerAuth`). */
export const WARDEN_SECURITY_SCHEMES = { session: 'session', bearer: 'bearer' } as const;

const ERROR_SCHEMA = 'WardenErrorResponseDto';
const CSRF_PARAMETER: ParameterObject = {
  name: 'X-CSRF-Token',
  in: 'header',
  required: true,
  description:
    "The session's CSRF token (from `POST /auth/login` or `GET /auth/csrf`); needed with the session cookie, ignored with a bearer token",
  schema: { type: 'string' },
};

/**
 * Completes a document of `SwaggerModule.createDocument` for nest-warden, so that it is right
 * without copying anything from the example app: defines the `session` cookie scheme (with the
 * app's cookie name, `sid` or `__Host-sid`) and, when tokens are mounted, the `bearer` scheme;
 * gives every route under a global `WardenAuthGuard` (not `@Public()`) its security entry; and
 * documents `X-CSRF-Token` as a required header of unsafe (POST, PUT, PATCH, DELETE)
 * cookie-authenticated operations. Call it after `app` is created (it reads the app's
 * `AuthModule`); it changes `document` in place and returns it.
 *
 * ```ts
 * const document = wardenSwagger(app, SwaggerModule.createDocument(app, config));
 * SwaggerModule.setup('docs', app, document);
 * ```
 */
export function wardenSwagger(
  app: INestApplicationContext,
  document: OpenAPIObject,
  options: WardenSwaggerOptions = {},
): OpenAPIObject {
  const cookieName = sessionCookieName(app);
  const tokens = has(app, TokenService);
  const globalGuard = options.globalGuard ?? hasGlobalWardenGuard(app);
  const { session, bearer } = WARDEN_SECURITY_SCHEMES;
  const components = (document.components ??= {});
  components.securitySchemes = {
    ...components.securitySchemes,
    [session]: {
      type: 'apiKey',
      in: 'cookie',
      name: cookieName,
      description: `The session cookie set by \`POST /auth/login\` (\`${cookieName}\`); unsafe methods also need \`X-CSRF-Token\``,
    },
    ...(tokens
      ? {
          [bearer]: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'An access token from `POST /auth/token`',
          },
        }
      : {}),
  };
  const schemes: SecurityRequirementObject[] = tokens
    ? [{ [session]: [] }, { [bearer]: [] }]
    : [{ [session]: [] }];
  const errorBody = components.schemas?.[ERROR_SCHEMA] ? ERROR_SCHEMA : undefined;
  for (const path of Object.values(document.paths)) {
    for (const [method, value] of Object.entries(path)) {
      if (!UNSAFE_METHODS.has(method.toUpperCase()) && !SAFE_METHODS.has(method)) continue;
      const operation = value as OperationObject & Record<string, unknown>;
      const isPublic = operation[WARDEN_PUBLIC_EXTENSION] === true;
      delete operation[WARDEN_PUBLIC_EXTENSION];
      if (!isPublic && globalGuard && !usesWarden(operation.security)) {
        operation.security = operation.security?.length
          ? operation.security.flatMap((own) => schemes.map((ours) => ({ ...own, ...ours })))
          : schemes;
        addResponse(operation.responses, '401', 'Not authenticated (`SESSION_INVALID`)', errorBody);
        addResponse(operation.responses, '403', 'CSRF failure or missing role', errorBody);
      }
      if (!tokens && operation.security) {
        operation.security = operation.security.filter((requirement) => !(bearer in requirement));
      }
      if (UNSAFE_METHODS.has(method.toUpperCase()) && usesCookie(operation.security)) {
        addCsrfParameter(operation);
        addResponse(
          operation.responses,
          '403',
          'Missing or wrong `X-CSRF-Token` (`CSRF_INVALID`)',
          errorBody,
        );
      }
    }
  }
  return document;
}

const SAFE_METHODS = new Set(['get', 'head', 'options', 'trace']);

function usesWarden(security: SecurityRequirementObject[] | undefined): boolean {
  const { session, bearer } = WARDEN_SECURITY_SCHEMES;
  return Boolean(security?.some((requirement) => session in requirement || bearer in requirement));
}

function usesCookie(security: SecurityRequirementObject[] | undefined): boolean {
  return Boolean(security?.some((requirement) => WARDEN_SECURITY_SCHEMES.session in requirement));
}

function addCsrfParameter(operation: OperationObject): void {
  const parameters = (operation.parameters ??= []);
  const present = parameters.some(
    (p: ParameterObject | ReferenceObject) =>
      'in' in p && p.in === 'header' && p.name.toLowerCase() === 'x-csrf-token',
  );
  if (!present) parameters.push({ ...CSRF_PARAMETER });
}

function addResponse(
  responses: ResponsesObject,
  status: string,
  description: string,
  schema: string | undefined,
): void {
  if (responses[status]) return;
  responses[status] = schema
    ? {
        description,
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
      }
    : { description };
}

function sessionCookieName(app: INestApplicationContext): string {
  try {
    return app.get(SessionService, { strict: false }).cookie.name;
  } catch {
    throw new Error(
      'wardenSwagger(app, document): the app has no SessionService; import AuthModule.forRoot/forRootAsync in it first',
    );
  }
}

function has(app: INestApplicationContext, token: abstract new (...args: never[]) => unknown) {
  try {
    app.get(token, { strict: false });
    return true;
  } catch {
    return false;
  }
}

/** An `APP_GUARD` provider (token `APP_GUARD (UUID: …)`) whose instance is a `WardenAuthGuard`. */
function hasGlobalWardenGuard(app: INestApplicationContext): boolean {
  for (const module of app.get(ModulesContainer).values()) {
    for (const [token, wrapper] of module.providers) {
      if (typeof token !== 'string' || !token.startsWith(APP_GUARD)) continue;
      if (wrapper.instance instanceof WardenAuthGuard) return true;
      if (wrapper.metatype === WardenAuthGuard) return true;
    }
  }
  return false;
}
