import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** What one operation asks of the server, before any resolver runs. */
export interface OperationCost {
  /** Deepest nesting of fields and inline fragments (top-level fields are depth 1). */
  readonly depth: number;
  /** Object fields resolved, each multiplied by the list sizes above it (`first`, or a default for plain lists); a page counts its items. Infinity: too large to expand. */
  readonly cost: number;
  /** Fields requested under an alias: the cheap way to repeat an expensive field. */
  readonly aliases: number;
}

/** Selections the analysis walks at most: fragments spread twice per level grow exponentially. */
const MAX_VISITS = 100_000;
const tooBig = Symbol('too big');

/** Items assumed for a list field that takes no `first` argument. */
export const DEFAULT_LIST_SIZE = 10;

/**
 * A field as the executor resolves it: introspection's `__schema` and `__type` are not among the
 * query type's fields, yet they select lists (types, fields, args…) that multiply like any other.
 */
function fieldDefinition(schema: GraphQLSchema, parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (parent === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return 'getFields' in parent ? parent.getFields()[name] : undefined;
}

/**
 * Walks one operation with its fragments and variables. Scalar fields are free; each object field
 * costs one per parent item, and a list multiplies what it selects by its size: the `first`
 * argument of the list or of the connection around it, else DEFAULT_LIST_SIZE. Fragment cycles are left to graphql-js validation: a spread already
 * on the path counts once and stops.
 */
export function analyzeOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Readonly<Record<string, unknown>> = {},
): OperationCost {
  let depth = 0;
  let cost = 0;
  let aliases = 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return { depth, cost, aliases };

  const listSize = (value: ValueNode | undefined, fallback: number): number => {
    if (!value) return fallback;
    const raw = value.kind === Kind.VARIABLE ? variables[value.name.value] : value.kind === Kind.INT ? Number(value.value) : undefined;
    return typeof raw === 'number' && Number.isFinite(raw) ? Math.max(0, raw) : fallback;
  };

  let visits = 0;
  const walk = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    level: number,
    multiplier: number,
    pageSize: number | undefined,
    path: Set<string>,
  ): void => {
    depth = Math.max(depth, level);
    for (const selection of set.selections) {
      if (++visits > MAX_VISITS) throw tooBig;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typed = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (typed && isCompositeType(typed)) walk(selection.selectionSet, typed, level + 1, multiplier, pageSize, path);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        const typed = fragment && schema.getType(fragment.typeCondition.name.value);
        if (!fragment || !typed || !isCompositeType(typed) || path.has(name)) continue;
        walk(fragment.selectionSet, typed, level, multiplier, pageSize, new Set(path).add(name));
        continue;
      }
      if (selection.alias) aliases += 1;
      depth = Math.max(depth, level + 1);
      const field = fieldDefinition(schema, parent, selection.name.value);
      if (!field || !selection.selectionSet) continue;
      const named = getNamedType(field.type);
      if (!isCompositeType(named)) continue;
      const firstArg = selection.arguments?.find((a) => a.name.value === 'first');
      const firstDefault = field.args.find((a) => a.name === 'first')?.defaultValue;
      const size =
        firstArg || typeof firstDefault === 'number'
          ? listSize(firstArg?.value, typeof firstDefault === 'number' ? firstDefault : DEFAULT_LIST_SIZE)
          : undefined;
      // A list multiplies what it selects; a paginated non-list (a connection) hands its page
      // size down to the list inside it (edges), not to its other fields (pageInfo).
      const isList = isListType(getNullableType(field.type));
      const childMultiplier = isList ? multiplier * (size ?? pageSize ?? DEFAULT_LIST_SIZE) : multiplier;
      const childPageSize = isList ? undefined : size;
      // A page of known size costs its items; any other object field one call per parent item.
      const known = isList ? (size ?? pageSize) : undefined;
      cost += known === undefined ? multiplier : multiplier * known;
      walk(selection.selectionSet, named, level + 1, childMultiplier, childPageSize, path);
    }
  };
  try {
    walk(operation.selectionSet, root, 0, 1, undefined, new Set());
  } catch (error) {
    if (error !== tooBig) throw error;
    return { depth, cost: Number.POSITIVE_INFINITY, aliases };
  }
  return { depth, cost, aliases };
}
