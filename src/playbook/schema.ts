import { z } from 'zod';

/**
 * Folders that certfleet must never own: it sets the owner and mode of the folders
 * it is given, and doing that to one of these would lock users, or SSH, out of the host.
 */
const SYSTEM_FOLDERS = new Set(['/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/media', '/mnt', '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/usr/bin', '/usr/lib', '/usr/local', '/usr/sbin', '/usr/share', '/var', '/var/lib', '/var/log', '/var/tmp']);
const VIRTUAL_ROOTS = ['/proc/', '/sys/', '/dev/', '/run/'];

const absolutePath = z
  .string()
  .regex(/^\/[A-Za-z0-9._/-]*$/, 'must be an absolute path of letters, digits, ".", "_", "-" and "/"')
  .refine((path) => !path.split('/').includes('..'), 'must not contain ".."')
  .transform((path) => (path.length > 1 ? path.replace(/\/+$/, '') : path))
  .refine((path) => !SYSTEM_FOLDERS.has(path) && !VIRTUAL_ROOTS.some((root) => path.startsWith(root)), {
    message: 'must be a folder of its own, such as /ssl or /opt/certfleet, not a system folder: certfleet sets its owner and mode',
  });

const systemName = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a lower-case system name (letters, digits, "_", "-"), at most 32 characters')
  .refine((name) => name !== 'root', 'must not be root: the app runs as this user, and the point is that it is not root');

export const appSettingSchema = z.union([
  z.literal('builtin'),
  z
    .object({
      path: z.string().min(1),
      callable: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_]*$/, 'must be module:callable, such as app:app'),
    })
    .strict(),
]);

export const settingsSchema = z
  .object({
    port: z.number().int().min(1).max(65535).default(443),
    service_user: systemName.default('certfleet'),
    ssl_dir: absolutePath.default('/ssl'),
    app_root: absolutePath.default('/opt/certfleet'),
    unit: z.string().regex(/^[A-Za-z0-9_.@-]+$/, 'must be a systemd unit name without ".service"').default('certfleet-app'),
    server: z.enum(['flask', 'gunicorn']).default('flask'),
    app: appSettingSchema.default('builtin'),
    http_redirect: z.boolean().default(false),
    enable_epel: z.boolean().default(false),
    enable_ufw: z.boolean().default(false),
  })
  .strict()
  .refine((settings) => !isSameOrInside(settings.ssl_dir, settings.app_root) && !isSameOrInside(settings.app_root, settings.ssl_dir), {
    message: 'ssl_dir and app_root must be separate folders, neither inside the other: each has its own current and releases',
    path: ['ssl_dir'],
  });

function isSameOrInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder === '/' ? '/' : `${folder}/`);
}

const bareStep = <Name extends string>(name: Name) => z.object({ step: z.literal(name) }).strict();

export const stepSchema = z.discriminatedUnion('step', [
  bareStep('packages'),
  bareStep('firewall'),
  bareStep('service-user'),
  bareStep('certificates'),
  bareStep('app'),
  bareStep('service'),
  z.object({ step: z.literal('wait-ready'), timeout_seconds: z.number().int().min(1).max(600).default(30) }).strict(),
  bareStep('verify-host'),
]);

export const playbookSchema = z
  .object({
    name: z.string().min(1),
    settings: settingsSchema.default(settingsSchema.parse({})),
    steps: z.array(stepSchema).min(1),
  })
  .strict();

export type PlaybookSettings = z.infer<typeof settingsSchema>;
export type PlaybookStep = z.infer<typeof stepSchema>;
export type StepName = PlaybookStep['step'];
export type Playbook = z.infer<typeof playbookSchema> & { file: string };

export const STEP_NAMES = stepSchema.options.map((option) => option.shape.step.value);
