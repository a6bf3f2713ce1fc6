// SPDX-License-Identifier: Apache-2.0
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pyRepr, pyStr } from '../../roles/horizon/_python.ts'
import horizon, { dashboardPath, staticUrl } from '../../roles/horizon/role.ts'
import { expectGolden, fileAt, fixtureModel, fixtureNames, renderRole } from '../helpers.ts'

const settingsPath = '/etc/openstack-dashboard/local_settings.py'
const sitePath = '/etc/apache2/sites-available/openstack-dashboard-alias-only.conf'

/** The right-hand side of a top-level `NAME = value` line of the settings file. */
function setting(content: string, name: string): string | undefined {
  return new RegExp(`^${name} = (.*)$`, 'm').exec(content)?.[1]
}

describe('horizon role', () => {
  it('points the dashboard at the public Keystone endpoint with the cloud secret key', () => {
    // GIVEN the 3-node inventory (TLS on, public name cloud.example.test)
    const model = fixtureModel('3-node')
    // WHEN horizon is rendered
    const content = fileAt(renderRole('3-node', horizon), 'ctl1', settingsPath).content
    // THEN the Keystone URL, host, key and time zone are quoted Python literals
    expect(setting(content, 'OPENSTACK_KEYSTONE_URL')).toBe("'https://cloud.example.test:5000/v3'")
    expect(setting(content, 'OPENSTACK_KEYSTONE_URL')).toBe(pyStr(model.endpoints.keystone.public))
    expect(setting(content, 'OPENSTACK_HOST')).toBe("'cloud.example.test'")
    expect(setting(content, 'SECRET_KEY')).toBe(pyStr(model.secrets.horizon_secret_key))
    expect(setting(content, 'OPENSTACK_KEYSTONE_DEFAULT_DOMAIN')).toBe("'Default'")
    expect(setting(content, 'TIME_ZONE')).toBe("'UTC'")
    expect(content).toMatch(/^OPENSTACK_API_VERSIONS = \{\n {4}'identity': 3,\n\}$/m)
    // AND cookies are secure because the dashboard URL is https
    expect(setting(content, 'SESSION_COOKIE_SECURE')).toBe('True')
    expect(setting(content, 'CSRF_COOKIE_SECURE')).toBe('True')
    expect(setting(fileAt(renderRole('aio', horizon), 'aio1', settingsPath).content, 'CSRF_COOKIE_SECURE')).toBe('False')
  })

  it('keeps sessions in the shared memcached servers, not a per-process cache', () => {
    // GIVEN the all-in-one inventory WHEN horizon is rendered
    const files = renderRole('aio', horizon)
    const content = fileAt(files, 'aio1', settingsPath).content
    // THEN CACHES uses Django 3.2's pymemcache backend on every memcached server
    expect(setting(content, 'SESSION_ENGINE')).toBe("'django.contrib.sessions.backends.cache'")
    expect(content).toContain(
      `CACHES = ${pyRepr({ default: { BACKEND: 'django.core.cache.backends.memcached.PyMemcacheCache', LOCATION: ['10.0.0.11:11211'] } })}\n`,
    )
    expect(horizon.packages({ model: fixtureModel('aio'), host: fixtureModel('aio').hosts[0]! })).toContain('python3-pymemcache')
    // AND Debian's LocMemCache snippet, exec'd after local_settings.py, no longer sets CACHES
    expect(fileAt(files, 'aio1', '/etc/openstack-dashboard/local_settings.d/_0006_debian_cache.py').content).not.toMatch(/^CACHES/m)
  })

  it('serves the dashboard at the path of dashboardUrl, the same in Apache and both WEBROOT settings', () => {
    // GIVEN the all-in-one inventory WHEN horizon is rendered
    const model = fixtureModel('aio')
    const files = renderRole('aio', horizon)
    // THEN the path is Debian's /horizon alias
    expect(dashboardPath(model)).toBe('/horizon')
    expect(setting(fileAt(files, 'aio1', settingsPath).content, 'WEBROOT')).toBe("'/horizon'")
    expect(setting(fileAt(files, 'aio1', '/etc/openstack-dashboard/local_settings.d/_0005_debian_webroot.py').content, 'WEBROOT')).toBe(
      "'/horizon'",
    )
    const site = fileAt(files, 'aio1', sitePath)
    expect(site.content).toMatch(/^WSGIScriptAlias \/horizon \/usr\/share\/openstack-dashboard\/wsgi\.py process-group=horizon /m)
    expect(site.format).toBe('text')
    // AND one mod_wsgi process on the 4 GiB all-in-one host
    expect(site.content).toMatch(/^WSGIDaemonProcess horizon .*processes=1 /m)
  })

  it('allows the public, internal and host addresses in the form Debian rewrites', () => {
    // GIVEN the 3-node inventory WHEN horizon is rendered
    const content = fileAt(renderRole('3-node', horizon), 'ctl1', settingsPath).content
    // THEN ALLOWED_HOSTS lists each name once, on one line
    expect(setting(content, 'ALLOWED_HOSTS')).toBe("[ 'cloud.example.test', '10.1.0.11', ]")
  })

  it('offers routers and the provider physnet for self-service networks', () => {
    // GIVEN the all-in-one inventory (Linux bridge, provider network with DNS)
    const content = fileAt(renderRole('aio', horizon), 'aio1', settingsPath).content
    // THEN the neutron settings enable routers and list the physnet and DNS servers
    expect(content).toContain("    'enable_router': True,\n")
    expect(content).toContain("    'physical_networks': ['physnet1'],\n")
    expect(content).toContain("    'default_dns_nameservers': ['203.0.113.1'],\n")
  })

  it('protects the secret key as root:www-data 0640, readable by the mod_wsgi daemon', () => {
    // GIVEN the all-in-one inventory WHEN horizon is rendered
    const f = fileAt(renderRole('aio', horizon), 'aio1', settingsPath)
    // THEN local_settings.py is text, root:www-data 0640, and reloads apache2
    expect([f.owner, f.group, f.mode, f.format]).toEqual(['root', 'www-data', 0o640, 'text'])
    expect(f.notify).toEqual(['apache2.service'])
  })

  it('runs on control hosts only, and not at all when the dashboard is off', () => {
    // GIVEN the 3-node inventory WHEN horizon is rendered THEN only ctl1 gets files
    expect([...new Set(renderRole('3-node', horizon).map((f) => f.host))]).toEqual(['ctl1'])
    // GIVEN services.horizon false WHEN rendered THEN nothing
    const off = fixtureModel('aio', (m) => ({ services: { ...m.services, horizon: false } }))
    expect(horizon.enabled(off)).toBe(false)
    expect(renderRole(off, horizon)).toEqual([])
  })

  it('quotes Python strings so any value stays one literal', () => {
    // GIVEN strings with quotes, backslashes and control characters
    // THEN each is one single-quoted Python literal
    expect(pyStr("it's")).toBe("'it\\'s'")
    expect(pyStr('a\\b\nc\x01')).toBe("'a\\\\b\\nc\\x01'")
    expect(pyRepr([true, null, 2])).toBe('[True, None, 2]')
    expect(pyRepr({})).toBe('{}')
  })

  it.each(fixtureNames)(
    "%s: its settings change no input of the static build but WEBROOT (horizon.static trusts the packages' build)",
    (fixture) => {
      // GIVEN every settings file horizon renders
      const files = renderRole(fixture, horizon).filter((f) => f.path.startsWith('/etc/openstack-dashboard/'))
      expect(files.length).toBeGreaterThan(0)
      // THEN each top-level name it sets is one the offline compress does not read (themes,
      // STATIC_*, COMPRESS_*, INSTALLED_APPS, HORIZON_CONFIG would make the packages' build stale)
      const harmless = /^(WEBROOT|DEBUG|ALLOWED_HOSTS|CACHES|SECRET_KEY|TIME_ZONE|OPENSTACK_[A-Z_]+|SESSION_[A-Z_]+|CSRF_[A-Z_]+)$/
      for (const f of files)
        for (const [, name] of f.content.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[[^\]]*\])?\s*=/gm))
          expect([f.path, name, harmless.test(name!)]).toEqual([f.path, name, true])
    },
  )

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, horizon))
  })

  describe('deploy hooks', () => {
    it('keeps the static build out of the apt transaction: manage.py 0644 while the packages install, 0755 after', () => {
      // GIVEN a dpkg-statoverride that keeps its overrides in a file, and manage.py as unpacked
      const model = fixtureModel('aio')
      const ctx = { model, host: model.hosts[0]! }
      const dir = mkdtempSync(join(tmpdir(), 'stackhouse-hold-static-'))
      const manage = join(dir, 'manage.py')
      writeFileSync(manage, '#!/usr/bin/python3\n', { mode: 0o755 })
      writeFileSync(
        join(dir, 'dpkg-statoverride'),
        `#!/bin/sh
db=${dir}/overrides
case $1 in
  --list) grep -F " $2" "$db" 2>/dev/null ;;
  --add) grep -qF " $5" "$db" 2>/dev/null && { echo "an override for $5 already exists" >&2; exit 2; }; echo "$2 $3 $4 $5" >> "$db"; chmod "$4" "$5" ;;
  --remove) grep -vF " $2" "$db" > "$db.new"; mv "$db.new" "$db" ;;
esac
`,
        { mode: 0o755 },
      )
      const run = (lines: string[]) =>
        spawnSync('bash', ['-ec', lines.join('\n').replaceAll('/usr/share/openstack-dashboard/manage.py', manage)], {
          env: { PATH: `${dir}:/usr/bin:/bin` },
          encoding: 'utf8',
        })
      const mode = () => (statSync(manage).mode & 0o777).toString(8)
      // WHEN the lines before the install run, twice (a transaction run again)
      expect(run(horizon.beforePackages!(ctx)).status).toBe(0)
      expect(run(horizon.beforePackages!(ctx)).status).toBe(0)
      // THEN manage.py is not executable, so the postinst's `[ -x manage.py ]` skips the build
      expect([mode(), readFileSync(join(dir, 'overrides'), 'utf8')]).toEqual(['644', `root root 0644 ${manage}\n`])
      // AND after the install, the override is gone and manage.py executable again, also when run twice
      const after = horizon.afterPackages!(ctx)
      expect(run(after).status).toBe(0)
      expect(run(after).status).toBe(0)
      expect([mode(), readFileSync(join(dir, 'overrides'), 'utf8')]).toEqual(['755', ''])
      rmSync(dir, { recursive: true })
    })

    it('enables the alias-only site and rebuilds the static files only when they were not built for its URL', () => {
      // GIVEN the all-in-one model WHEN horizon's steps are listed
      const model = fixtureModel('aio')
      const steps = horizon.bootstrap!({ model, host: model.hosts[0]! })
      // THEN both run before apache2 is (re)started, on every control host, each with a guard
      expect(steps.map((s) => [s.id, s.when ?? 'before-start', s.on ?? 'each'])).toEqual([
        ['horizon.default-ssl-off', 'before-start', 'each'],
        ['horizon.site', 'before-start', 'each'],
        ['horizon.static', 'before-start', 'each'],
      ])
      const [ssl, site, stat] = steps
      expect(ssl!.run).toBe('a2dissite -q default-ssl')
      expect(ssl!.unless).toBe('[ ! -e /etc/apache2/sites-enabled/default-ssl.conf ]')
      expect(site!.unless).toBe(
        '[ -e /etc/apache2/mods-enabled/wsgi.load ] && [ -e /etc/apache2/sites-enabled/openstack-dashboard-alias-only.conf ]',
      )
      expect(site!.run).toContain('a2ensite -q openstack-dashboard-alias-only')
      // AND the rebuild is Debian's; it is skipped when the packages' own build is for the dashboard's URL
      const compressed = '/var/lib/openstack-dashboard/static/dashboard'
      expect(staticUrl(model)).toBe('/horizon/static/')
      const manage = '/usr/share/openstack-dashboard/manage.py'
      expect(stat!.unless).toBe(
        `! dpkg-statoverride --list ${manage} >/dev/null && [ -s ${compressed}/manifest.json ] && grep -qsF -- 'url("/horizon/static/' ${compressed}/css/*.css`,
      )
      expect(stat!.run!.split(' && ')).toEqual([
        `if dpkg-statoverride --list ${manage} >/dev/null; then dpkg-statoverride --remove ${manage}; chmod 0755 ${manage}; fi`,
        '/usr/share/openstack-dashboard/manage.py collectstatic --noinput --clear >/dev/null',
        expect.stringContaining('until /usr/share/openstack-dashboard/manage.py compress --force >/dev/null;'),
        'chown -R www-data /var/lib/openstack-dashboard/static',
        'systemctl try-reload-or-restart apache2.service',
      ])
      // AND the guard, run in bash on what compress writes (a manifest with django-compressor's
      // URL placeholder; CSS with STATIC_URL in the themes' imports): built for WEBROOT "/"
      // (openstack-dashboard's postinst), rebuilt; for /horizon (the trigger after
      // openstack-dashboard-apache's postinst), kept; no CSS or no manifest, rebuilt
      // dpkg-statoverride stand-ins: --list finds no override, or finds one
      const noOverride = mkdtempSync(join(tmpdir(), 'stackhouse-statoverride-'))
      const override = mkdtempSync(join(tmpdir(), 'stackhouse-statoverride-'))
      writeFileSync(join(noOverride, 'dpkg-statoverride'), '#!/bin/sh\nexit 1\n', { mode: 0o755 })
      writeFileSync(join(override, 'dpkg-statoverride'), `#!/bin/sh\necho "root root 644 ${manage}"\n`, { mode: 0o755 })
      for (const [builtFor, manifest, holds] of [
        ['/static/', true, false],
        ['/horizon/static/', true, true],
        ['/horizon2/static/', true, false],
        [null, true, false],
        ['/horizon/static/', false, false],
      ] as const) {
        const dir = mkdtempSync(join(tmpdir(), 'stackhouse-compressed-'))
        mkdirSync(join(dir, 'css'))
        const tag = '<link rel="stylesheet" href="/__compressor_url_placeholder__/dashboard/css/output.367967f0535a.css" type="text/css">'
        if (manifest) writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ '67cc245a': tag }))
        writeFileSync(join(dir, 'css', 'output.b10061abaf7a.css'), '.glyphicon{src:url("../../bootstrap/fonts/bootstrap/x.eot")}')
        if (builtFor !== null)
          writeFileSync(
            join(dir, 'css', 'output.bf5742d4e294.css'),
            `@import url("${builtFor}horizon/lib/roboto_fontface/css/roboto/roboto-fontface.css");`,
          )
        const r = spawnSync('bash', ['-c', stat!.unless!.replaceAll(compressed, dir)], { env: { PATH: `${noOverride}:/usr/bin:/bin` } })
        expect([builtFor, manifest, r.status === 0]).toEqual([builtFor, manifest, holds])
        // AND with the stat override of the install still there, the build is never current
        const held = spawnSync('bash', ['-c', stat!.unless!.replaceAll(compressed, dir)], { env: { PATH: `${override}:/usr/bin:/bin` } })
        expect(held.status).not.toBe(0)
        rmSync(dir, { recursive: true })
      }
      // AND compress, which pyScss fails now and then, is tried up to three times: run with a
      // stand-in that fails the first `fails` times, the step goes on after 0-2 failures and stops after 3
      const loop = stat!.run!.split(' && ')[2]!
      for (const [fails, status, tries] of [
        [0, 0, 1],
        [2, 0, 3],
        [3, 1, 3],
      ] as const) {
        const dir = mkdtempSync(join(tmpdir(), 'stackhouse-compress-'))
        const standIn = `sh -c 'n=$(cat ${dir}/n 2>/dev/null || echo 0); echo $((n + 1)) > ${dir}/n; [ "$n" -ge ${fails} ]'`
        const r = spawnSync('bash', ['-c', loop.replace('/usr/share/openstack-dashboard/manage.py compress --force', standIn)], {
          encoding: 'utf8',
        })
        expect([r.status, Number(readFileSync(join(dir, 'n'), 'utf8'))]).toEqual([status, tries])
        rmSync(dir, { recursive: true })
      }
      // AND no secret is in a command line
      const secrets = Object.values(model.secrets).filter((v): v is string => !!v)
      for (const s of steps) for (const text of [s.run, s.unless ?? '']) for (const v of secrets) expect(text).not.toContain(v)
    })

    it('pre-seeds the alias-only site and the ALLOWED_HOSTS that local_settings.py holds', () => {
      // GIVEN the 3-node model WHEN the debconf answers of ctl1 are listed
      const model = fixtureModel('3-node')
      const debconf = horizon.debconf!({ model, host: model.hosts[0]! })
      // THEN the dashboard does not take over Apache, and allowed-hosts matches the rendered line
      expect(debconf).toEqual([
        'openstack-dashboard-apache horizon/activate_vhost boolean false',
        'openstack-dashboard-apache horizon/use_ssl boolean false',
        'openstack-dashboard horizon/allowed-hosts string cloud.example.test,10.1.0.11',
      ])
      expect(setting(fileAt(renderRole('3-node', horizon), 'ctl1', settingsPath).content, 'ALLOWED_HOSTS')).toBe(
        "[ 'cloud.example.test', '10.1.0.11', ]",
      )
      // AND horizon has no database and no catalog entry
      expect(horizon.databases).toBeUndefined()
      expect(horizon.register).toBeUndefined()
    })
  })
})
