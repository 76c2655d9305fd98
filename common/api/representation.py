"""ModelSerializer reads without DRF's generic per-field dispatch, with identical output.

For every row and field DRF resolves the source path under exception handling, wraps
foreign keys in PKOnlyObject, and for a many-to-many field runs one queryset per row;
the fields of a list serializer are also rebuilt on every request. For a page of 50 rules
that was most of the response time. `FastReadMixin` compiles, once per serializer class,
a plan of (name, getter, converter) steps from a prototype instance's own fields, and uses
those fields' own `to_representation` for values, so the output is DRF's (a test compares
every serializer that uses the mixin with DRF's path). Its list serializer loads the
many-to-many primary keys of a whole page with one query per field.

Only context-free field classes are compiled (the exact classes below, not subclasses);
a serializer with anything else (a method field, a nested serializer, hyperlinks) keeps
DRF's path. Fields must not depend on the serializer's context or arguments.
"""

from operator import attrgetter

from django.db import models
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from .serializers import JSONField

# Value fields whose to_representation needs nothing but the value.
_VALUE_FIELDS = frozenset(
    {
        drf_fields.BigIntegerField,
        drf_fields.BooleanField,
        drf_fields.CharField,
        drf_fields.ChoiceField,
        drf_fields.DateField,
        drf_fields.DateTimeField,
        drf_fields.DecimalField,
        drf_fields.DurationField,
        drf_fields.EmailField,
        drf_fields.FloatField,
        drf_fields.IntegerField,
        drf_fields.IPAddressField,
        drf_fields.JSONField,
        drf_fields.ReadOnlyField,
        drf_fields.SlugField,
        drf_fields.TimeField,
        drf_fields.URLField,
        drf_fields.UUIDField,
        JSONField,  # ours refuses a parsed null on writes; it reads as DRF's does
    }
)
_RELATED_FIELDS = frozenset({relations.PrimaryKeyRelatedField, relations.SlugRelatedField})

# Steps: how one output value is read.
_ATTRIBUTE = "attribute"  # a concrete column: getter, then the field's to_representation
_FOREIGN_KEY = "fk"  # a primary-key related field: the *_id column as it is
_MANY_PKS = "many"  # a many-to-many of primary keys
_GENERIC = "generic"  # DRF's own get_attribute / to_representation of the field

PAGE_PKS_ATTR = "_fast_read_m2m_pks"


def _compile(serializer_class):
    """The plan for `serializer_class`, or None when it has a field we do not compile."""
    prototype = serializer_class()
    model = serializer_class.Meta.model
    concrete = {field.name: field for field in model._meta.concrete_fields}
    steps = []
    for field in prototype._readable_fields:
        kind = type(field)
        source = field.source_attrs
        column = concrete.get(source[0]) if len(source) == 1 else None
        if kind is relations.ManyRelatedField:
            child = field.child_relation
            if type(child) is not relations.PrimaryKeyRelatedField or child.pk_field is not None or len(source) != 1:
                return None
            m2m = model._meta.get_field(source[0])
            if not m2m.many_to_many or m2m.auto_created:
                return None
            steps.append((field.field_name, _MANY_PKS, m2m))
        elif (
            kind is relations.PrimaryKeyRelatedField
            and column is not None
            and column.many_to_one
            and field.pk_field is None
        ):
            steps.append((field.field_name, _FOREIGN_KEY, attrgetter(column.attname)))
        elif kind in _VALUE_FIELDS and column is not None and not column.is_relation:
            steps.append((field.field_name, _ATTRIBUTE, (attrgetter(column.attname), field.to_representation)))
        elif kind in _VALUE_FIELDS or kind in _RELATED_FIELDS:
            steps.append((field.field_name, _GENERIC, field))
        else:
            return None
    return tuple(steps)


def _plan(serializer_class):
    plan = serializer_class.__dict__.get("_fast_read_plan", _compile)
    if plan is _compile:
        plan = _compile(serializer_class)
        serializer_class._fast_read_plan = plan
    return plan


def _many_pks(instance, m2m):
    page = instance.__dict__.get(PAGE_PKS_ATTR)
    if page is not None and m2m.name in page:
        return page[m2m.name]
    if instance.pk is None:
        return []
    return [related.pk for related in getattr(instance, m2m.name).all()]


def represent(plan, instance):
    ret = {}
    for name, step, how in plan:
        if step is _ATTRIBUTE:
            value = how[0](instance)
            ret[name] = None if value is None else how[1](value)
        elif step is _FOREIGN_KEY:
            ret[name] = how(instance)
        elif step is _MANY_PKS:
            ret[name] = _many_pks(instance, how)
        else:
            try:
                attribute = how.get_attribute(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check_for_none is None else how.to_representation(attribute)
    return ret


def load_page_pks(instances, plan):
    """Many-to-many primary keys for a page of rows: one query per field, not one per row.

    Reads through the related model's default manager and ordering, as `row.field.all()`
    would; rows that already have the field prefetched are left alone.
    """
    for _name, step, m2m in plan:
        if step is not _MANY_PKS:
            continue
        wanted = [
            row
            for row in instances
            if row.pk is not None and m2m.name not in getattr(row, "_prefetched_objects_cache", {})
        ]
        if not wanted:
            continue
        reverse = m2m.related_query_name()
        pks = {row.pk: [] for row in wanted}
        pairs = m2m.related_model._default_manager.filter(**{f"{reverse}__in": list(pks)}).values_list(reverse, "pk")
        for owner, related in pairs:
            pks[owner].append(related)
        for row in wanted:
            row.__dict__.setdefault(PAGE_PKS_ATTR, {})[m2m.name] = pks[row.pk]


class FastReadListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        plan = _plan(type(self.child))
        if plan is None:
            return super().to_representation(data)
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        load_page_pks(rows, plan)
        return [represent(plan, row) for row in rows]


class FastReadMixin:
    """Mix into a ModelSerializer (before it) for DRF-identical reads without DRF's dispatch."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        meta = cls.__dict__.get("Meta")
        if meta is not None and "list_serializer_class" not in vars(meta):
            meta.list_serializer_class = FastReadListSerializer

    def to_representation(self, instance):
        plan = _plan(type(self))
        if plan is None:
            return super().to_representation(instance)
        return represent(plan, instance)
