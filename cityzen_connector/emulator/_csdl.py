"""``$metadata``: the CSDL document of the tables the emulator holds and of the operations it
supports (Microsoft Learn: "Web API Service Documents", section "CSDL $metadata document";
"Web API EntityTypes", "Web API Properties", "Web API Navigation Properties", "Web API
Actions", "Web API Functions").

Namespace ``Microsoft.Dynamics.CRM``, alias ``mscrm``; the Keys and Display vocabularies are
referenced as Dataverse's document does. Each table is an EntityType deriving from
``crmbaseentity`` (``systemuser`` and ``team`` from ``principal``, whose key is ``ownerid``),
with its Key, a Property per column (a lookup as its ``_x_value`` Edm.Guid), a single-valued
NavigationProperty per lookup target with its ReferentialConstraint, the collection-valued
ones of the relationships the emulator serves (one-to-many and many-to-many, each with its
``Partner``), and an AlternateKeys annotation per active key.
``?annotations=true`` adds the Computed and Permissions annotations of read-only properties.
Not described: the definition types themselves (EntityMetadata…), and the collection-valued
side of one-to-many relationships the emulator does not serve (a lookup that is the partner of
no served collection has no ``Partner``).
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._http import Request, Response
from cityzen_connector.emulator._metadata_relationships import many_to_many
from cityzen_connector.emulator._query import check_options
from cityzen_connector.emulator._schema import Attribute, Entity, Schema
from cityzen_connector.emulator._sql import EDM

CONTENT_TYPE = "application/xml"
_VOCABULARIES = ("OData.Community.Keys.V1", "Keys"), ("OData.Community.Display.V1", "Display")
_READ_ONLY = (
    '<Annotation Term="Org.OData.Core.V1.Computed" Bool="true"/>'
    '<Annotation Term="Org.OData.Core.V1.Permissions">'
    "<EnumMember>Org.OData.Core.V1.PermissionType/Read</EnumMember></Annotation>"
)
# "Use Web API functions" (WhoAmI, WhoAmIResponse); "CreateMultiple Action" and
# "UpsertMultiple Action" (bound to a crmbaseentity collection, Targets, …Response with Ids);
# "UpdateMultiple Action" (bound the same way, no return type: it answers 204 NoContent);
# "InsertOptionValue Action" (the parameters the emulator reads).
_OPERATIONS = (
    '<ComplexType Name="LocalizedLabel"><Property Name="Label" Type="Edm.String"/>'
    '<Property Name="LanguageCode" Type="Edm.Int32" Nullable="false"/>'
    '<Property Name="IsManaged" Type="Edm.Boolean"/><Property Name="MetadataId" Type="Edm.Guid"/>'
    '<Property Name="HasChanged" Type="Edm.Boolean"/></ComplexType>'
    '<ComplexType Name="Label">'
    '<Property Name="LocalizedLabels" Type="Collection(mscrm.LocalizedLabel)" Nullable="false"/>'
    '<Property Name="UserLocalizedLabel" Type="mscrm.LocalizedLabel"/></ComplexType>'
    '<ComplexType Name="WhoAmIResponse">'
    '<Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false"/>'
    '<Property Name="UserId" Type="Edm.Guid" Nullable="false"/>'
    '<Property Name="OrganizationId" Type="Edm.Guid" Nullable="false"/></ComplexType>'
    '<ComplexType Name="CreateMultipleResponse">'
    '<Property Name="Ids" Type="Collection(Edm.Guid)" Nullable="false"/></ComplexType>'
    '<ComplexType Name="UpsertMultipleResponse">'
    '<Property Name="Ids" Type="Collection(Edm.Guid)" Nullable="false"/></ComplexType>'
    '<ComplexType Name="InsertOptionValueResponse">'
    '<Property Name="NewOptionValue" Type="Edm.Int32" Nullable="false"/></ComplexType>'
    '<Function Name="WhoAmI"><ReturnType Type="mscrm.WhoAmIResponse" Nullable="false"/>'
    "</Function>"
    '<Action Name="CreateMultiple" IsBound="true">'
    '<Parameter Name="entityset" Type="Collection(mscrm.crmbaseentity)" Nullable="false"/>'
    '<Parameter Name="Targets" Type="Collection(mscrm.crmbaseentity)" Nullable="false"/>'
    '<ReturnType Type="mscrm.CreateMultipleResponse" Nullable="false"/></Action>'
    '<Action Name="UpdateMultiple" IsBound="true">'
    '<Parameter Name="entityset" Type="Collection(mscrm.crmbaseentity)" Nullable="false"/>'
    '<Parameter Name="Targets" Type="Collection(mscrm.crmbaseentity)" Nullable="false"/>'
    "</Action>"
    '<Action Name="UpsertMultiple" IsBound="true">'
    '<Parameter Name="entityset" Type="Collection(mscrm.crmbaseentity)" Nullable="false"/>'
    '<Parameter Name="Targets" Type="Collection(mscrm.crmbaseentity)" Nullable="false"/>'
    '<ReturnType Type="mscrm.UpsertMultipleResponse" Nullable="false"/></Action>'
    '<Action Name="InsertOptionValue">'
    '<Parameter Name="EntityLogicalName" Type="Edm.String"/>'
    '<Parameter Name="AttributeLogicalName" Type="Edm.String"/>'
    '<Parameter Name="Value" Type="Edm.Int32"/>'
    '<Parameter Name="Label" Type="mscrm.Label" Nullable="false"/>'
    '<ReturnType Type="mscrm.InsertOptionValueResponse" Nullable="false"/></Action>'
)
_IMPORTS = (
    '<FunctionImport Name="WhoAmI" Function="mscrm.WhoAmI"/>'
    '<ActionImport Name="InsertOptionValue" Action="mscrm.InsertOptionValue"/>'
)


def csdl_response(context: HandlerContext, req: Request) -> Response:
    if req.method != "GET":
        raise err.method_not_allowed(req.method)
    check_options(req.query, frozenset())
    flag = req.query.get("annotations", "false")
    if flag not in ("true", "false") or set(req.query) - {"annotations"}:
        raise err.query_error("$metadata takes only the annotations=true|false parameter.")
    body = csdl(context, annotations=flag == "true")
    return Response(200, [("Content-Type", CONTENT_TYPE)], body.encode("utf-8"))


def csdl(context: HandlerContext, *, annotations: bool = False) -> str:
    schema = context.schema
    principals = _principals(schema)
    types = ['<EntityType Name="crmbaseentity" Abstract="true"/>']
    if principals:
        types.append(
            '<EntityType Name="principal" BaseType="mscrm.crmbaseentity" Abstract="true">'
            '<Key><PropertyRef Name="ownerid"/></Key>'
            '<Property Name="ownerid" Type="Edm.Guid"/></EntityType>'
        )
    sets = []
    for name in sorted(schema.by_name):
        entity = schema.by_name[name]
        types.append(_entity_type(context, entity, name in principals, annotations))
        bindings = "".join(
            f"<NavigationPropertyBinding Path={quoteattr(nav)} "
            f"Target={quoteattr(schema.by_name[target].entity_set)}/>"
            for nav, target, _ in _navigations(schema, entity)
            if target in schema.by_name
        )
        sets.append(
            f"<EntitySet Name={quoteattr(entity.entity_set)} "
            f"EntityType={quoteattr('mscrm.' + name)}>{bindings}</EntitySet>"
        )
    references = "".join(
        f'<edmx:Reference Uri="http://vocabularies.odata.org/{ns}.xml">'
        f'<edmx:Include Namespace="{ns}" Alias="{alias}"/>'
        f'<edmx:IncludeAnnotations TermNamespace="{ns}"/></edmx:Reference>'
        for ns, alias in _VOCABULARIES
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">'
        f"{references}<edmx:DataServices>"
        '<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" '
        'xmlns="http://docs.oasis-open.org/odata/ns/edm">'
        f"{''.join(types)}{_OPERATIONS}"
        f'<EntityContainer Name="System">{"".join(sets)}{_IMPORTS}</EntityContainer>'
        "</Schema></edmx:DataServices></edmx:Edmx>"
    )


def _principals(schema: Schema) -> set[str]:
    """Tables an owner lookup can point to: they derive from ``principal``."""
    return {
        target
        for entity in schema.by_name.values()
        for attr in entity.attributes.values()
        if attr.type == "Owner"
        for target in attr.targets
        if target in schema.by_name
    }


def _navigations(schema: Schema, entity: Entity) -> list[tuple[str, str, str]]:
    """(name, target table, CSDL element) of each navigation property of ``entity``: one
    single-valued per lookup target, then the collection-valued ones of the relationship model
    (``_relationships``), each with its ``Partner`` ("Web API Navigation Properties": a
    one-to-many collection's partner is the lookup's single-valued property, a many-to-many
    one's is itself, on the other table)."""
    out = []
    for attr in entity.attributes.values():
        if not attr.is_lookup:
            continue
        seen: set[str] = set()
        for target, nav in sorted(attr.targets.items()):
            kind = "principal" if attr.type == "Owner" else target
            if nav in seen or (kind != "principal" and target not in schema.by_name):
                continue
            seen.add(nav)
            key = "ownerid" if kind == "principal" else schema.by_name[target].primary_id
            partner = _collection_of(schema, entity, attr.name, target)
            partnered = f" Partner={quoteattr(partner)}" if partner else ""
            element = (
                f"<NavigationProperty Name={quoteattr(nav)} Type={quoteattr('mscrm.' + kind)} "
                f'Nullable="false"{partnered}><ReferentialConstraint '
                f"Property={quoteattr(f'_{attr.name}_value')} ReferencedProperty={quoteattr(key)}/>"
                "</NavigationProperty>"
            )
            out.append((nav, kind, element))
    for collection in schema.relationships.collections_of(entity.logical_name):
        if collection.lookup is not None:  # one-to-many: the lookup's navigation property
            lookup = schema.by_name[collection.target].attributes[collection.lookup]
            partner = lookup.targets[collection.source]
        else:  # many-to-many: the same name on the other table
            partner = _partner(schema, collection.name, collection.target)
        if any(n == collection.name for n, _, _ in out):
            continue
        element = (
            f"<NavigationProperty Name={quoteattr(collection.name)} "
            f"Type={quoteattr(f'Collection(mscrm.{collection.target})')} "
            f"Partner={quoteattr(partner)}/>"
        )
        out.append((collection.name, collection.target, element))
    return out


def _collection_of(schema: Schema, entity: Entity, lookup: str, target: str) -> str | None:
    """The collection-valued property the lookup ``lookup`` of ``entity`` is the partner of."""
    for collection in schema.relationships.collections_of(target):
        if collection.lookup == lookup and collection.target == entity.logical_name:
            return collection.name
    return None


def _partner(schema: Schema, name: str, other: str) -> str:
    for r in many_to_many(schema):
        if r.entity1_navigation == name and r.entity2 == other:
            return r.entity2_navigation
        if r.entity2_navigation == name and r.entity1 == other:
            return r.entity1_navigation
    return name


def _property(attr: Attribute, annotations: bool) -> str:
    name = f"_{attr.name}_value" if attr.is_lookup else attr.name
    facets = ""
    if attr.type in ("String", "Memo"):
        facets = ' Unicode="false"'  # as "Web API Properties" shows account.name
    elif attr.type in ("Decimal", "Money"):
        facets = ' Scale="Variable"'  # as it shows account.openrevenue
    edm = EDM.get(attr.type, "Edm.String")
    # Lookup properties are "computed, read-only properties" (Web API Properties).
    read_only = annotations and (attr.readonly or attr.is_lookup)
    inner = _READ_ONLY if read_only else ""
    head = f"<Property Name={quoteattr(name)} Type={quoteattr(edm)}{facets}"
    return f"{head}>{inner}</Property>" if inner else f"{head}/>"


def _entity_type(
    context: HandlerContext, entity: Entity, principal: bool, annotations: bool
) -> str:
    base = "mscrm.principal" if principal else "mscrm.crmbaseentity"
    # "Web API EntityTypes": the ownerid of principal is the key of systemuser and team.
    key = "" if principal else f"<Key><PropertyRef Name={quoteattr(entity.primary_id)}/></Key>"
    properties = "".join(_property(a, annotations) for a in entity.attributes.values())
    navigations = "".join(e for _, _, e in _navigations(context.schema, entity))
    return (
        f"<EntityType Name={quoteattr(entity.logical_name)} BaseType={quoteattr(base)}>"
        f"{key}{properties}{navigations}{_alternate_keys(context, entity)}</EntityType>"
    )


def _alternate_keys(context: HandlerContext, entity: Entity) -> str:
    # "Web API EntityTypes", section "Alternate Keys": one record per active key.
    records = ""
    for key in entity.keys.values():
        if context.records.key_status(entity, key) != "Active":
            continue
        refs = "".join(
            '<Record Type="OData.Community.Keys.V1.PropertyRef">'
            f'<PropertyValue Property="Alias" String={quoteattr(column)}/>'
            f'<PropertyValue Property="Name" PropertyPath={quoteattr(_path(entity, column))}/>'
            "</Record>"
            for column in key.attributes
        )
        records += (
            '<Record Type="OData.Community.Keys.V1.AlternateKey">'
            f'<PropertyValue Property="Key"><Collection>{refs}</Collection></PropertyValue>'
            "</Record>"
        )
    if not records:
        return ""
    return (
        '<Annotation Term="OData.Community.Keys.V1.AlternateKeys">'
        f"<Collection>{records}</Collection></Annotation>"
    )


def _path(entity: Entity, column: str) -> str:
    attr = entity.attributes.get(column)
    return f"_{column}_value" if attr is not None and attr.is_lookup else column
