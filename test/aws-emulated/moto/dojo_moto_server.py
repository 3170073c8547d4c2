"""moto's server for dojo's emulated-AWS suite, with the workarounds its CloudFormation and ECS
models need to deploy the dojo stack. Test-only: nothing in lib/ knows about moto.

Usage: python3 dojo_moto_server.py  -> prints "PORT <n>" on stdout once it listens on
127.0.0.1:<n> (a port the OS picks), serves until its stdin closes (the test ends), then exits.
Start it with MOTO_ECS_SERVICE_RUNNING=1: moto's ECS services otherwise report 0 running tasks
forever (moto runs no service tasks), so no service would ever be steady; UpdateService then
makes the running count follow the desired count.

Each workaround below says which gap of moto 5.2 it closes and why the suite needs it.
"""

import json
import sys
from typing import Any

import moto  # noqa: F401  (loads the backends the server dispatches to)
from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel
from moto.ecs.models import ecs_backends
from moto.s3.models import s3_backends
from moto.ssm import models as ssm_models
from moto.server import ThreadedMotoServer


class _Placeholder:
    """What a no-op CloudFormation resource creates: a physical id and nothing else."""

    def __init__(self, physical_id: str) -> None:
        self.physical_resource_id = physical_id

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return ""


class CdkMetadata(CloudFormationModel):
    """AWS::CDK::Metadata: moto skips the type, so the stack never reaches CREATE_COMPLETE.
    It only records which CDK constructs a stack uses; nothing to emulate."""

    __module__ = "dojo_emulated.cloudformation"  # moto keys its model registry on the 2nd module part

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CDK::Metadata"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:  # type: ignore[override]
        return _Placeholder(resource_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> None:  # type: ignore[override]
        return None


class S3AutoDeleteObjects(CloudFormationModel):
    """Custom::S3AutoDeleteObjects: moto runs custom resources by invoking their Lambda in Docker,
    which these machines do not have. The provider empties the bucket itself before the stack
    delete (and the suite asserts the bucket is gone), so the resource is a no-op here."""

    __module__ = "dojo_emulated.cloudformation"  # moto keys its model registry on the 2nd module part

    @staticmethod
    def cloudformation_type() -> str:
        return "Custom::S3AutoDeleteObjects"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:  # type: ignore[override]
        return _Placeholder(resource_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> None:  # type: ignore[override]
        return None


class S3BucketPolicy(CloudFormationModel):
    """AWS::S3::BucketPolicy: moto skips the type (the TLS-only policy would silently not exist)."""

    __module__ = "dojo_emulated.cloudformation"  # moto keys its model registry on the 2nd module part

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:  # type: ignore[override]
        props = cloudformation_json["Properties"]
        bucket = props["Bucket"]
        s3_backends[account_id]["aws"].put_bucket_policy(bucket, json.dumps(props["PolicyDocument"]).encode())
        return _Placeholder(bucket)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> None:  # type: ignore[override]
        try:
            s3_backends[account_id]["aws"].delete_bucket_policy(cloudformation_json["Properties"]["Bucket"])
        except Exception:  # the bucket may be gone first
            pass


def _lower_first(d: Any) -> Any:
    """CloudFormation's PascalCase property names as the ECS API's camelCase (recursively)."""
    if isinstance(d, dict):
        return {k[:1].lower() + k[1:]: _lower_first(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_lower_first(x) for x in d]
    return d


class EcsCapacityProvider(CloudFormationModel):
    """AWS::ECS::CapacityProvider: moto skips the type, so `Ref` to it is empty and the SSM
    parameter naming the workers' capacity provider would hold nothing."""

    __module__ = "dojo_emulated.cloudformation"  # moto keys its model registry on the 2nd module part

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ECS::CapacityProvider"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:  # type: ignore[override]
        props = cloudformation_json["Properties"]
        name = props.get("Name") or resource_name
        details = _lower_first(props.get("AutoScalingGroupProvider", {}))
        tags = [{"key": t["Key"], "value": t["Value"]} for t in props.get("Tags", [])]
        cp = ecs_backends[account_id][region_name].create_capacity_provider(name, details, tags)
        cp.physical_resource_id = cp.name  # type: ignore[attr-defined]
        return cp

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> None:  # type: ignore[override]
        try:
            ecs_backends[account_id][region_name].delete_capacity_provider(resource_name)
        except Exception:
            pass


class EcsClusterCapacityProviderAssociations(CloudFormationModel):
    """AWS::ECS::ClusterCapacityProviderAssociations: moto skips the type, so the cluster would
    have no capacity provider and no default strategy."""

    __module__ = "dojo_emulated.cloudformation"  # moto keys its model registry on the 2nd module part

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ECS::ClusterCapacityProviderAssociations"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:  # type: ignore[override]
        props = cloudformation_json["Properties"]
        cluster = props["Cluster"]
        ecs_backends[account_id][region_name].put_cluster_capacity_providers(
            cluster, props.get("CapacityProviders", []), _lower_first(props.get("DefaultCapacityProviderStrategy", []))
        )
        return _Placeholder(cluster)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> None:  # type: ignore[override]
        try:
            ecs_backends[account_id][region_name].put_cluster_capacity_providers(resource_name, [], [])
        except Exception:
            pass


def _patch_ssm_parameter_tags() -> None:
    """AWS::SSM::Parameter: CloudFormation takes `Tags` as a map (what the CDK emits); moto passes
    it on as a list of {Key, Value} and fails with a 500 while the deploy reports success."""
    original = ssm_models.Parameter.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:
        tags = cloudformation_json.get("Properties", {}).get("Tags")
        if isinstance(tags, dict):
            cloudformation_json["Properties"]["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    ssm_models.Parameter.create_from_cloudformation_json = classmethod(create)  # type: ignore[assignment]


def _patch_bucket_policy_conditions() -> None:
    """moto enforces bucket policy statements but ignores their conditions, so the TLS-only deny
    (`aws:SecureTransport: false`) of the dojo and bootstrap buckets would deny every request.
    Statements with a condition are left out of moto's evaluation (this loopback emulation is
    plain HTTP); GetBucketPolicy still returns the whole policy."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        doc = json.loads(self.policy.decode())
        statements = doc.get("Statement", [])
        kept = [st for st in (statements if isinstance(statements, list) else [statements]) if "Condition" not in st]
        if not kept:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**doc, "Statement": kept})).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


def _patch_custom_resource_types() -> None:
    """moto maps every `Custom::` type to its Lambda-invoking model; route the one the dojo uses
    (see S3AutoDeleteObjects) to the no-op model instead."""
    original = parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str) -> Any:
        if resource_type == S3AutoDeleteObjects.cloudformation_type():
            return S3AutoDeleteObjects
        return original(resource_type)

    parsing.resource_class_from_type = resource_class_from_type


def _patch_run_task_placement() -> None:
    """RunTask: moto ignores placement constraints and places a task on any instance with room,
    so a worker task could land on the manager. Honour `memberOf(attribute:NAME == VALUE)` (the
    only kind the dojo uses) against the container instances' attributes."""
    from moto.ecs.models import EC2ContainerServiceBackend

    original = EC2ContainerServiceBackend.run_task

    def wanted(task_definition: Any) -> list[tuple[str, str]]:
        out = []
        for c in getattr(task_definition, "placement_constraints", None) or []:
            kind = c.get("type", c.get("Type"))
            expr = c.get("expression", c.get("Expression", ""))
            if kind == "memberOf" and expr.startswith("attribute:") and "==" in expr:
                name, value = expr[len("attribute:"):].split("==", 1)
                out.append((name.strip(), value.strip()))
        return out

    def run_task(self: Any, cluster_str: str, task_definition_str: str, *args: Any, **kwargs: Any) -> Any:
        cluster = self._get_cluster(cluster_str)
        rules = wanted(self.describe_task_definition(task_definition_str))
        everyone = self.container_instances.get(cluster.name)
        if not rules or everyone is None:
            return original(self, cluster_str, task_definition_str, *args, **kwargs)
        self.container_instances[cluster.name] = {
            k: ci for k, ci in everyone.items() if all(ci.attributes.get(n) == v for n, v in rules)
        }
        try:
            return original(self, cluster_str, task_definition_str, *args, **kwargs)
        finally:
            # The same instance objects (their resources were updated in place), all of them again.
            self.container_instances[cluster.name] = everyone

    EC2ContainerServiceBackend.run_task = run_task  # type: ignore[method-assign]


def _patch_tagging_ecs_tags() -> None:
    """GetResources (the Tagging API): moto lists every ECS cluster, service, task and task
    definition and fails with a 500 on one whose tags are None (what its CloudFormation models
    create) or spelled {Key, Value}. Normalise them to ECS's [{key, value}] before each call."""
    from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend

    original = ResourceGroupsTaggingAPIBackend._get_resources_generator

    def normal(tags: Any) -> list[dict[str, str]]:
        if not tags:
            return []
        if isinstance(tags, dict):
            return [{"key": k, "value": v} for k, v in tags.items()]
        return [{"key": t.get("key", t.get("Key")), "value": t.get("value", t.get("Value"))} for t in tags]

    def generator(self: Any, *args: Any, **kwargs: Any) -> Any:
        ecs = self.ecs_backend
        objects = [*ecs.services.values(), *ecs.clusters.values()]
        objects += [t for d in ecs.tasks.values() for t in d.values()]
        objects += [td for d in ecs.task_definitions.values() for td in d.values()]
        for o in objects:
            o.tags = normal(getattr(o, "tags", None))
        return original(self, *args, **kwargs)

    ResourceGroupsTaggingAPIBackend._get_resources_generator = generator  # type: ignore[method-assign]


def _patch_task_definition_properties() -> None:
    """AWS::ECS::TaskDefinition: moto keeps only the family, containers, volumes and memory, and
    drops the network mode, placement constraints, roles, compatibilities and tags; a job's task
    definition for --image is copied from it, and RunTask placement reads its constraints."""
    from moto.core.utils import pascal_to_camelcase, remap_nested_keys
    from moto.ecs.models import TaskDefinition

    def create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json["Properties"]
        camel = lambda v: remap_nested_keys(v, pascal_to_camelcase)  # noqa: E731
        tags = props.get("Tags")
        return ecs_backends[account_id][region_name].register_task_definition(
            family=props.get("Family", resource_name),
            container_definitions=camel(props.get("ContainerDefinitions", [])),
            volumes=camel(props.get("Volumes", [])),
            network_mode=props.get("NetworkMode"),
            tags=[{"key": t["Key"], "value": t["Value"]} for t in tags] if isinstance(tags, list) else None,
            placement_constraints=camel(props.get("PlacementConstraints", [])),
            # Not passed: with EC2 compatibility moto demands a hard `memory` limit per container,
            # which ECS does not (a memoryReservation is enough).
            cpu=props.get("Cpu"),
            memory=props.get("Memory"),
            task_role_arn=props.get("TaskRoleArn"),
            execution_role_arn=props.get("ExecutionRoleArn"),
        )

    TaskDefinition.create_from_cloudformation_json = classmethod(create)  # type: ignore[assignment]


def _patch_ec2_memory_reservation() -> None:
    """RegisterTaskDefinition: with EC2 compatibility moto demands a hard `memory` limit on every
    container; ECS accepts a `memoryReservation` alone (a command job's task definition, registered
    by `job create --image --command`, reserves memory as the worker task does, without a limit)."""
    from moto.ecs.exceptions import TaskDefinitionMemoryError, TaskDefinitionMissingPropertyError
    from moto.ecs.models import EC2ContainerServiceBackend

    def validate(memory: Any, container_definitions: Any, requires_compatibilities: Any) -> None:
        for cd in container_definitions:
            if "name" not in cd and "Name" not in cd:
                raise TaskDefinitionMissingPropertyError("name")
            if "image" not in cd and "Image" not in cd:
                raise TaskDefinitionMissingPropertyError("image")
            if not memory and not any(k in cd for k in ("memory", "Memory", "memoryReservation", "MemoryReservation")):
                raise TaskDefinitionMemoryError(cd.get("name", cd.get("Name")))

    EC2ContainerServiceBackend._validate_container_defs = staticmethod(validate)  # type: ignore[method-assign,assignment]


def _keep_tasks_running() -> None:
    """ECS tasks: moto moves a task one lifecycle state on at each DescribeTasks (RUNNING,
    DEACTIVATING, ... STOPPED), so a task stops by itself after a few looks; a real task runs until
    its container exits or StopTask. A command job's driver watches its replicas with DescribeTasks:
    hold them RUNNING (StopTask still stops them at once)."""
    from moto.moto_api import state_manager

    state_manager.set_transition(model_name="ecs::task", transition={"progression": "manual", "times": 10**9})


def _patch_primary_eni_deleted_on_termination() -> None:
    """Terminating an instance: AWS always deletes its primary network interface; moto keeps it
    (in-use, in the subnet) unless the launch asked for DeleteOnTermination, so the subnets and the
    VPC could never be deleted and DeleteStack leaves the VPC behind."""
    from moto.ec2.models.instances import Instance

    original = Instance.terminate

    def terminate(self: Any) -> Any:
        primary = self.nics.get(0)
        if primary is not None:
            primary.delete_on_termination = True
        return original(self)

    Instance.terminate = terminate  # type: ignore[method-assign]


def _patch_terminated_instances_leave_ecs() -> None:
    """Terminating an instance: in AWS the container instance on it is deregistered (INACTIVE) and
    its tasks stop ("Host EC2 ... terminated"); moto keeps it registered and ACTIVE with its tasks
    RUNNING, so a cluster whose groups were scaled to zero or deleted still holds instances and
    CloudFormation could never delete it (see _patch_delete_stack_leftovers)."""
    from moto.ec2.models.instances import Instance

    original = Instance.terminate

    def terminate(self: Any) -> Any:
        result = original(self)
        ecs = ecs_backends[self.ec2_backend.account_id][self.ec2_backend.region_name]
        for cluster_name, members in list(ecs.container_instances.items()):
            if cluster_name == "orphaned" or cluster_name not in ecs.clusters:
                continue
            for ci in [ci for ci in members.values() if ci.ec2_instance_id == self.id]:
                for task in list(ecs.tasks.get(cluster_name, {}).values()):
                    if task.container_instance_arn == ci.container_instance_arn and task.desired_status != "STOPPED":
                        ecs.stop_task(cluster_name, task.task_arn, f"Host EC2 (instance {self.id}) terminated.")
                ecs.deregister_container_instance(cluster_name, ci.container_instance_arn, force=True)
        return result

    Instance.terminate = terminate  # type: ignore[method-assign]


def _patch_register_only_running_instances() -> None:
    """RegisterContainerInstance: in AWS only the ECS agent of a running instance registers it; moto
    registers any id, so the suite's agent (which polls) could register an instance terminated just
    after its poll, and that stale registration would keep the cluster from being deleted. Refuse
    an instance that is not running, as no agent would be there to ask."""
    from moto.ec2.models import ec2_backends
    from moto.ecs.exceptions import EcsClientException
    from moto.ecs.models import EC2ContainerServiceBackend

    original = EC2ContainerServiceBackend.register_container_instance

    def register(self: Any, cluster_str: str, ec2_instance_id: str) -> Any:
        try:
            state = ec2_backends[self.account_id][self.region_name].get_instance(ec2_instance_id).state
        except Exception:  # an id moto does not know: left to moto, as before
            state = "running"
        if state != "running":
            raise EcsClientException(f"instance {ec2_instance_id} is {state}: no ECS agent runs there to register it")
        return original(self, cluster_str, ec2_instance_id)

    EC2ContainerServiceBackend.register_container_instance = register  # type: ignore[method-assign]


def _patch_list_services_active() -> None:
    """ListServices: AWS lists a cluster's ACTIVE and DRAINING services; moto lists deleted
    (INACTIVE) ones too, so a deleted stack's services would look like leftovers."""
    from moto.ecs.models import EC2ContainerServiceBackend

    original = EC2ContainerServiceBackend.list_services

    def list_services(self: Any, cluster_str: str, *args: Any, **kwargs: Any) -> list[str]:
        inactive = {sv.arn for sv in self.services.values() if sv.status == "INACTIVE"}
        return [arn for arn in original(self, cluster_str, *args, **kwargs) if arn not in inactive]

    EC2ContainerServiceBackend.list_services = list_services  # type: ignore[method-assign]


def _delete_cluster_as_ecs_does(ecs: Any, cluster: Any) -> None:
    """DeleteCluster as AWS refuses it: with container instances still registered (ACTIVE or
    DRAINING) it fails with ClusterContainsContainerInstancesException; moto would delete anyway."""
    registered = [ci for ci in ecs.container_instances.get(cluster.name, {}).values() if ci.status in ("ACTIVE", "DRAINING")]
    if registered:
        ids = ", ".join(sorted(ci.ec2_instance_id for ci in registered))
        raise RuntimeError(f"ClusterContainsContainerInstancesException: cluster {cluster.name} still has registered container instances ({ids})")
    ecs.delete_cluster(cluster.name)


def _patch_delete_stack_leftovers() -> None:
    """DeleteStack: moto deletes in an order its own dependency checks refuse (a subnet before its
    route table association, the VPC before its subnets), gives up silently after a few tries and
    either fails with DependencyViolation midway or reports DELETE_COMPLETE with the VPC, its
    subnets, flow log and the manager's data volume still there (the volume is untagged in moto,
    which drops a Volume's CloudFormation Tags, so dojo's tag scan cannot see it); it never deletes
    the stack's ECS services and cluster (moto's models have no CloudFormation delete) nor
    deregisters its task definitions. Finish what CloudFormation would have deleted, in dependency
    order, for the resources of that stack only. The cluster is deleted as AWS deletes it (refused
    while container instances are registered); a refusal ends the stack DELETE_FAILED, as
    CloudFormation does, instead of calling it deleted."""
    from moto.cloudformation.models import CloudFormationBackend
    from moto.ec2.models import ec2_backends

    original = CloudFormationBackend.delete_stack
    order = [
        "AWS::ECS::TaskDefinition", "AWS::ECS::Service", "AWS::ECS::Cluster", "AWS::EC2::Volume", "AWS::EC2::FlowLog", "AWS::EC2::VPCEndpoint", "AWS::EC2::Subnet", "AWS::EC2::RouteTable",
        "AWS::EC2::InternetGateway", "AWS::EC2::SecurityGroup", "AWS::EC2::VPC",
    ]

    # What each stack owned when its deletion was first asked: moto forgets every resource its own
    # pass "deleted" (a no-op for the ECS cluster), so a retried DeleteStack would not see them.
    remembered: dict[str, list[tuple[str, Any]]] = {}

    def delete_stack(self: Any, name_or_stack_id: str) -> None:
        if name_or_stack_id not in self.stacks:
            # By name: one deletion per stack of that name, by id (moto's own recursion, made explicit).
            for named in [st for st in self.stacks.values() if st.name == name_or_stack_id]:
                delete_stack(self, named.stack_id)
            return
        st = self.stacks[name_or_stack_id]
        if st.stack_id not in remembered:
            remembered[st.stack_id] = [
                (r.cf_resource_type, r) for r in getattr(st.resource_map, "_parsed_resources", {}).values() if getattr(r, "cf_resource_type", None) in order
            ]
        owned = remembered[st.stack_id]
        try:
            original(self, st.stack_id)
        except Exception:  # noqa: S110 - moto's DependencyViolation midway; finished below
            pass
        ec2 = ec2_backends[self.account_id][self.region_name]
        ecs = ecs_backends[self.account_id][self.region_name]
        steps = {
            "AWS::ECS::TaskDefinition": lambda r: ecs.deregister_task_definition(r.arn),
            "AWS::ECS::Service": lambda r: ecs.delete_service(r.cluster_name, r.name, force=True),
            "AWS::ECS::Cluster": lambda r: _delete_cluster_as_ecs_does(ecs, r),
            "AWS::EC2::Volume": lambda r: ec2.delete_volume(r.id),
            "AWS::EC2::FlowLog": lambda r: ec2.delete_flow_logs([r.id]),
            "AWS::EC2::VPCEndpoint": lambda r: ec2.delete_vpc_endpoints([r.id]),
            "AWS::EC2::Subnet": lambda r: ec2.delete_subnet(r.id),
            "AWS::EC2::RouteTable": lambda r: ec2.delete_route_table(r.id),
            "AWS::EC2::InternetGateway": lambda r: [ec2.detach_internet_gateway(r.id, a) for a in [getattr(r.vpc, "id", None)] if a] and ec2.delete_internet_gateway(r.id),
            "AWS::EC2::SecurityGroup": lambda r: ec2.delete_security_group(group_id=r.id),
            "AWS::EC2::VPC": lambda r: ec2.delete_vpc(r.id),
        }
        refused: list[str] = []
        for kind in order:
            for k, r in owned:
                if k != kind:
                    continue
                try:
                    steps[kind](r)
                except Exception as e:
                    if kind == "AWS::ECS::Cluster":
                        refused.append(str(e))
                    # Otherwise already gone: what CloudFormation did delete.
        if refused:
            # Still there and DELETE_FAILED, as CloudFormation leaves it (moto had moved it to the deleted ones).
            self.deleted_stacks.pop(st.stack_id, None)
            self.stacks[st.stack_id] = st
            st.status = "DELETE_FAILED"
            st.status_reason = "; ".join(refused)
            print(f"DeleteStack {st.name}: DELETE_FAILED: {st.status_reason}", file=sys.stderr, flush=True)
            return
        # Deleted, as CloudFormation reports it once every resource is gone.
        self.stacks.pop(st.stack_id, None)
        st.status = "DELETE_COMPLETE"
        self.deleted_stacks[st.stack_id] = st

    CloudFormationBackend.delete_stack = delete_stack  # type: ignore[method-assign]


def main() -> None:
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    _patch_ssm_parameter_tags()
    _patch_custom_resource_types()
    _patch_bucket_policy_conditions()
    _patch_run_task_placement()
    _patch_tagging_ecs_tags()
    _patch_task_definition_properties()
    _patch_ec2_memory_reservation()
    _keep_tasks_running()
    _patch_primary_eni_deleted_on_termination()
    _patch_terminated_instances_leave_ecs()
    _patch_register_only_running_instances()
    _patch_list_services_active()
    _patch_delete_stack_leftovers()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print(f"PORT {port}", flush=True)
    # Serve until the test closes our stdin (or dies): no orphaned server.
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
