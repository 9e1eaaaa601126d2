/**
 * Field tables for HorizontalPodAutoscaler (v2) and HorizontalPodAutoscalerV1 (autoscaling/v1), which client-go's typed clients send as
 * protobuf (`kubectl autoscale` of kubectl ≥ 1.32 creates v2). Numbers from k8s.io/api's autoscaling/v2 and v1 generated.proto files;
 * names are JSON's. Grammar: message-decoder.ts. The two versions share CrossVersionObjectReference; v1's own messages carry a V1
 * suffix so they never collide with v2's (kind-schema.ts messageAliases). Issue #19.
 */
import type { SchemaSet } from './message-decoder.ts';

export const autoscalingSchemas: SchemaSet = {
  HorizontalPodAutoscaler: { 1: 'metadata ObjectMeta', 2: 'spec HorizontalPodAutoscalerSpec', 3: 'status HorizontalPodAutoscalerStatus' },
  HorizontalPodAutoscalerSpec: {
    1: 'scaleTargetRef CrossVersionObjectReference',
    2: 'minReplicas *int32',
    3: 'maxReplicas int32',
    4: 'metrics []MetricSpec',
    5: 'behavior HorizontalPodAutoscalerBehavior',
  },
  CrossVersionObjectReference: { 1: 'kind', 2: 'name', 3: 'apiVersion' },
  MetricSpec: {
    1: 'type',
    2: 'object ObjectMetricSource',
    3: 'pods PodsMetricSource',
    4: 'resource ResourceMetricSource',
    7: 'containerResource ContainerResourceMetricSource',
    5: 'external ExternalMetricSource',
  },
  ObjectMetricSource: { 1: 'describedObject CrossVersionObjectReference', 2: 'target MetricTarget', 3: 'metric MetricIdentifier' },
  PodsMetricSource: { 1: 'metric MetricIdentifier', 2: 'target MetricTarget' },
  ResourceMetricSource: { 1: 'name', 2: 'target MetricTarget' },
  ContainerResourceMetricSource: { 1: 'name', 2: 'target MetricTarget', 3: 'container' },
  ExternalMetricSource: { 1: 'metric MetricIdentifier', 2: 'target MetricTarget' },
  MetricIdentifier: { 1: 'name', 2: 'selector LabelSelector' },
  MetricTarget: { 1: 'type', 2: 'value Quantity', 3: 'averageValue Quantity', 4: 'averageUtilization *int32' },
  HorizontalPodAutoscalerBehavior: { 1: 'scaleUp HPAScalingRules', 2: 'scaleDown HPAScalingRules' },
  HPAScalingRules: { 3: 'stabilizationWindowSeconds *int32', 1: 'selectPolicy *string', 2: 'policies []HPAScalingPolicy' },
  HPAScalingPolicy: { 1: 'type', 2: 'value int32', 3: 'periodSeconds int32' },
  HorizontalPodAutoscalerStatus: {
    1: 'observedGeneration *int64',
    2: 'lastScaleTime Time',
    3: 'currentReplicas int32',
    4: 'desiredReplicas *int32',
    5: 'currentMetrics []MetricStatus',
    6: 'conditions []HorizontalPodAutoscalerCondition',
  },
  MetricStatus: {
    1: 'type',
    2: 'object ObjectMetricStatus',
    3: 'pods PodsMetricStatus',
    4: 'resource ResourceMetricStatus',
    7: 'containerResource ContainerResourceMetricStatus',
    5: 'external ExternalMetricStatus',
  },
  ObjectMetricStatus: { 1: 'metric MetricIdentifier', 2: 'current MetricValueStatus', 3: 'describedObject CrossVersionObjectReference' },
  PodsMetricStatus: { 1: 'metric MetricIdentifier', 2: 'current MetricValueStatus' },
  ResourceMetricStatus: { 1: 'name', 2: 'current MetricValueStatus' },
  ContainerResourceMetricStatus: { 1: 'name', 2: 'current MetricValueStatus', 3: 'container' },
  ExternalMetricStatus: { 1: 'metric MetricIdentifier', 2: 'current MetricValueStatus' },
  MetricValueStatus: { 1: 'value Quantity', 2: 'averageValue Quantity', 3: 'averageUtilization *int32' },
  HorizontalPodAutoscalerCondition: { 1: 'type', 2: 'status', 3: 'lastTransitionTime Time', 4: 'reason', 5: 'message' },

  // autoscaling/v1: the CPU target is the only metric in its schema.
  HorizontalPodAutoscalerV1: { 1: 'metadata ObjectMeta', 2: 'spec HorizontalPodAutoscalerSpecV1', 3: 'status HorizontalPodAutoscalerStatusV1' },
  HorizontalPodAutoscalerSpecV1: {
    1: 'scaleTargetRef CrossVersionObjectReference',
    2: 'minReplicas *int32',
    3: 'maxReplicas int32',
    4: 'targetCPUUtilizationPercentage *int32',
  },
  HorizontalPodAutoscalerStatusV1: {
    1: 'observedGeneration *int64',
    2: 'lastScaleTime Time',
    3: 'currentReplicas *int32',
    4: 'desiredReplicas *int32',
    5: 'currentCPUUtilizationPercentage *int32',
  },
};
