// terraform/: every file parses (HCL → JSON, offline), module calls match the modules'
// variables, and the structural promises hold: two zones, autoscaled cpu + gpu node groups,
// an encrypted, versioned, private bucket with lifecycle rules, Multi-AZ encrypted RDS whose
// password Terraform never holds, and no secret written into any file.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import { repoRoot } from '@revive/config';

const require = createRequire(import.meta.url);
const hcl = require('@cdktf/hcl2json') as { parse(file: string, text: string): Promise<Record<string, any>> };
const tfRoot = join(repoRoot, 'terraform');

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === '.terraform' ? [] : walk(p);
    return /\.tf$|\.tfvars(\.example)?$/.test(f) ? [p] : [];
  });

/** Merged JSON of every .tf file in one module directory (blocks of a type from all files). */
type Module = Record<string, Record<string, any>>;
const modules = new Map<string, Module>();
const resource = (module: string, type: string, name: string): Record<string, any> => {
  const r = modules.get(module)?.resource?.[type]?.[name]?.[0];
  assert.ok(r, `${module}: no resource ${type}.${name}`);
  return r;
};
const dynamicOrBlock = (r: Record<string, any>, block: string): Record<string, any>[] => r[block] ?? [];

describe('terraform/', () => {
  const parsed = new Map<string, Record<string, any>>();

  before(async () => {
    for (const file of walk(tfRoot)) {
      const json = await hcl.parse(file, readFileSync(file, 'utf8'));
      parsed.set(relative(tfRoot, file), json);
      if (!file.endsWith('.tf')) continue;
      const dir = relative(tfRoot, join(file, '..')) || '.';
      const merged = modules.get(dir) ?? {};
      // `locals` come as a list of blocks; everything else as a map of named blocks.
      for (const [blockType, blocks] of Object.entries(json))
        merged[blockType] = Object.assign({}, merged[blockType], ...(Array.isArray(blocks) ? blocks : [blocks]));
      modules.set(dir, merged);
    }
  });

  it('every file parses, and each module call passes exactly variables the module declares (all required ones)', () => {
    assert.ok(parsed.size >= 20, `parsed ${parsed.size} files`);
    for (const [dir, mod] of modules) {
      for (const [name, [call]] of Object.entries((mod.module ?? {}) as Record<string, [Record<string, unknown>]>)) {
        const target = join(dir, String(call.source)).replace(/^\.\//, '');
        const variables = modules.get(target)?.variable as Record<string, [{ default?: unknown }]> | undefined;
        assert.ok(variables, `module ${name}: ${call.source} has no variables`);
        const passed = Object.keys(call).filter((k) => !['source', 'depends_on', 'providers', 'count', 'for_each'].includes(k));
        for (const k of passed) assert.ok(k in variables, `module ${name} passes ${k}, which ${target} does not declare`);
        for (const [v, [decl]] of Object.entries(variables))
          if (!('default' in decl)) assert.ok(passed.includes(v), `module ${name} does not pass required ${v}`);
      }
      for (const [v, [decl]] of Object.entries((mod.variable ?? {}) as Record<string, [{ description?: string; type?: string }]>)) {
        assert.ok(decl.description && decl.type, `${dir}: variable ${v} needs a description and a type`);
      }
    }
  });

  it('terraform.tfvars.example sets only declared variables, and every required one', () => {
    const example = parsed.get('terraform.tfvars.example')!;
    const variables = modules.get('.')!.variable as Record<string, [{ default?: unknown }]>;
    for (const k of Object.keys(example)) assert.ok(k in variables, `tfvars.example sets undeclared ${k}`);
    for (const [v, [decl]] of Object.entries(variables))
      if (!('default' in decl)) assert.ok(v in example, `tfvars.example lacks required ${v}`);
  });

  it('network: a VPC over two availability zones, public and private subnets and a NAT gateway in each', () => {
    const azCount = (modules.get('modules/network')!.variable as any).az_count[0];
    assert.equal(azCount.default, 2);
    assert.match(JSON.stringify(azCount.validation), />= 2/);
    assert.equal((modules.get('.')!.variable as any).az_count[0].default, 2);
    for (const r of ['aws_subnet.public', 'aws_subnet.private', 'aws_nat_gateway.this', 'aws_route_table.private']) {
      const [type, name] = r.split('.') as [string, string];
      assert.equal(resource('modules/network', type, name).count, '${length(local.azs)}', `${r}: one per zone`);
    }
    assert.equal(
      (modules.get('modules/network')!.locals as any).azs,
      '${slice(data.aws_availability_zones.available.names, 0, var.az_count)}',
    );
  });

  it('eks: managed node groups cpu and gpu, both autoscaled, the gpu one tainted and allowed to sit at zero', () => {
    const vars = modules.get('.')!.variable as Record<string, [{ default?: number }]>;
    for (const group of ['cpu', 'gpu']) {
      const ng = resource('modules/eks', 'aws_eks_node_group', group);
      const scaling = ng.scaling_config[0];
      assert.match(scaling.min_size, new RegExp(`var\\.${group}_min_size`));
      assert.match(scaling.max_size, new RegExp(`var\\.${group}_max_size`));
      assert.ok(vars[`${group}_max_size`]![0].default! > vars[`${group}_min_size`]![0].default!, `${group}: room to scale`);
      assert.deepEqual(ng.lifecycle[0].ignore_changes, ['${scaling_config[0].desired_size}'], `${group}: the autoscaler owns the size`);
    }
    assert.equal(vars.gpu_min_size![0].default, 0);
    assert.ok(vars.cpu_min_size![0].default! >= 2, 'a cpu node per zone');
    assert.equal(resource('modules/eks', 'aws_eks_node_group', 'gpu').taint[0].key, 'nvidia.com/gpu');
    assert.ok(resource('modules/eks', 'aws_autoscaling_group_tag', 'gpu_template'), 'scale-from-zero hints for the autoscaler');
    assert.deepEqual(resource('modules/eks', 'aws_eks_cluster', 'this').encryption_config[0].resources, ['secrets']);
    assert.ok(resource('modules/eks', 'aws_iam_openid_connect_provider', 'this'), 'IRSA needs the OIDC provider');
  });

  it('storage: encrypted, versioned, private, TLS-only, with lifecycle rules for intermediates', () => {
    const sse = resource('modules/storage', 'aws_s3_bucket_server_side_encryption_configuration', 'media').rule[0]
      .apply_server_side_encryption_by_default[0];
    assert.equal(sse.sse_algorithm, 'aws:kms');
    assert.equal(resource('modules/storage', 'aws_s3_bucket_versioning', 'media').versioning_configuration[0].status, 'Enabled');
    const pab = resource('modules/storage', 'aws_s3_bucket_public_access_block', 'media');
    for (const k of ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'])
      assert.equal(pab[k], true, k);
    assert.equal(resource('modules/storage', 'aws_s3_bucket_ownership_controls', 'media').rule[0].object_ownership, 'BucketOwnerEnforced');
    const rules = dynamicOrBlock(resource('modules/storage', 'aws_s3_bucket_lifecycle_configuration', 'media'), 'rule');
    const intermediates = rules.find((r) => r.id === 'expire-intermediates');
    assert.equal(intermediates?.filter[0].prefix, '${var.intermediate_prefix}');
    assert.ok(intermediates?.expiration[0].days, 'intermediates expire');
    assert.ok(
      rules.some((r) => r.abort_incomplete_multipart_upload),
      'abandoned multipart uploads are cleaned',
    );
    const policy = JSON.stringify(modules.get('modules/storage')!.data);
    assert.match(policy, /aws:SecureTransport/);
    const files = [...parsed.keys()].filter((f) => f.startsWith('modules/storage'));
    assert.ok(files.length > 0);
    assert.doesNotMatch(JSON.stringify(modules.get('modules/storage')), /public-read|"acl"/, 'no public ACL anywhere');
  });

  it('database: RDS PostgreSQL, Multi-AZ, encrypted, private, password generated into Secrets Manager', () => {
    const db = resource('modules/database', 'aws_db_instance', 'this');
    assert.equal(db.engine, 'postgres');
    assert.equal(db.multi_az, true);
    assert.equal(db.storage_encrypted, true);
    assert.equal(db.publicly_accessible, false);
    assert.equal(db.manage_master_user_password, true);
    assert.equal(db.password, undefined, 'no password in Terraform');
    assert.equal(db.deletion_protection, true);
    assert.ok(db.backup_retention_period >= 7);
    const params = resource('modules/database', 'aws_db_parameter_group', 'this').parameter as Array<{ name: string; value: string }>;
    assert.ok(
      params.some((p) => p.name === 'rds.force_ssl' && p.value === '1'),
      'TLS enforced',
    );
  });

  it('iam and dns: IRSA roles scoped to one ServiceAccount each; an ACM certificate validated through Route 53', () => {
    const trust = JSON.stringify((modules.get('modules/iam')!.data as any).aws_iam_policy_document.trust);
    assert.match(trust, /AssumeRoleWithWebIdentity/);
    assert.match(trust, /:sub/);
    assert.match(trust, /system:serviceaccount:/);
    const media = JSON.stringify((modules.get('modules/iam')!.data as any).aws_iam_policy_document.media);
    assert.match(media, /\$\{var\.bucket_arn\}\/\*/, 'object access only inside the media bucket');
    assert.doesNotMatch(media, /"s3:\*"/);
    assert.equal(resource('modules/dns', 'aws_acm_certificate', 'gateway').validation_method, 'DNS');
    assert.ok(resource('modules/dns', 'aws_acm_certificate_validation', 'gateway'));
  });

  it('no secret is written into any Terraform file', () => {
    const suspicious = /(password|secret|token|private_key|access_key)/i;
    const findings: string[] = [];
    const scan = (value: unknown, path: string, file: string): void => {
      if (Array.isArray(value)) value.forEach((v, i) => scan(v, `${path}[${i}]`, file));
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) scan(v, `${path}.${k}`, file);
      else if (typeof value === 'string') {
        const key = path
          .split('.')
          .at(-1)!
          .replace(/\[\d+\]$/, '');
        // A secret-named attribute may hold an expression or a reference, never a literal.
        if (suspicious.test(key) && !/^\$\{.*\}$/.test(value) && !['description', 'type'].includes(key))
          findings.push(`${file}: ${path} = "${value}"`);
        if (/AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) findings.push(`${file}: ${path} holds a key`);
      }
    };
    for (const [file, json] of parsed) scan(json, '', file);
    for (const file of walk(tfRoot))
      if (/AKIA[0-9A-Z]{16}|PRIVATE KEY-----/.test(readFileSync(file, 'utf8'))) findings.push(`${file}: raw key material`);
    assert.deepEqual(findings, []);
  });
});
