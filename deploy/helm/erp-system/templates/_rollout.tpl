{{/* Rollout variants (rolling, blue-green slots, canary), their selectors, shutdown and placement. */}}

{{/* Deployments of one service as a JSON list of {name, track, role (main, canary or idle), replicas (-1: an HPA owns the count), minReplicas and maxReplicas (the HPA's bounds, else replicas), tag, digest}: include "erp.variants" (list $ name cfg) | fromJsonArray. */}}
{{- define "erp.variants" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $cfg := index . 2 -}}
{{- $base := include "erp.componentName" (list $root $name) -}}
{{- $a := $cfg.autoscaling -}}
{{- $main := dict "replicas" (int $cfg.replicaCount) "minReplicas" (int $cfg.replicaCount) "maxReplicas" (int $cfg.replicaCount) -}}
{{- if $a.enabled -}}
{{- $main = dict "replicas" -1 "minReplicas" (int $a.minReplicas) "maxReplicas" (int $a.maxReplicas) -}}
{{- end -}}
{{- $out := list -}}
{{- if eq $cfg.releaseStrategy "blueGreen" -}}
{{- /*
The idle slot: as many as the active one (null), or idleReplicas. With autoscaling every slot
that runs pods has its own HPA and no slot ever renders `replicas`: at a switch no Deployment
loses the field (Helm would patch `replicas: null` and the newly live slot would fall to one
pod); only the HPAs' bounds change. A pinned idle slot gets an HPA of idleReplicas..idleReplicas.
*/ -}}
{{- $bg := $cfg.blueGreen -}}
{{- $idle := $main -}}
{{- if not (kindIs "invalid" $bg.idleReplicas) -}}
{{- $n := int $bg.idleReplicas -}}
{{- $idle = dict "replicas" (ternary -1 $n (and $a.enabled (gt $n 0))) "minReplicas" $n "maxReplicas" $n -}}
{{- end -}}
{{- range $slot := list "blue" "green" -}}
{{- $s := index $bg $slot -}}
{{- $active := eq $bg.activeSlot $slot -}}
{{- $out = append $out (merge (dict "name" (printf "%s-%s" $base $slot) "track" $slot "role" (ternary "main" "idle" $active) "tag" ($s.tag | default $cfg.image.tag) "digest" ($s.digest | default $cfg.image.digest)) (ternary $main $idle $active)) -}}
{{- end -}}
{{- else -}}
{{- $out = append $out (merge (dict "name" $base "track" "stable" "role" "main" "tag" $cfg.image.tag "digest" $cfg.image.digest) $main) -}}
{{- if eq $cfg.releaseStrategy "canary" -}}
{{- $n := int $cfg.canary.replicas -}}
{{- $out = append $out (dict "name" (printf "%s-canary" $base) "track" "canary" "role" "canary" "replicas" $n "minReplicas" $n "maxReplicas" $n "tag" $cfg.canary.tag "digest" $cfg.canary.digest) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* Pod selector of the main Service of one service: the active slot, the stable track, or both tracks (canary by Service). */}}
{{- define "erp.serviceSelector" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $cfg := index . 2 -}}
{{- include "erp.selectorLabels" (list $root $name) }}
{{- if eq $cfg.releaseStrategy "blueGreen" }}
track: {{ $cfg.blueGreen.activeSlot }}
{{- else if and (eq $cfg.releaseStrategy "canary") (eq $cfg.canary.routing "service") }}
{{- /* both tracks: requests split by replica count */}}
{{- else }}
track: stable
{{- end }}
{{- end -}}

{{/* Grace period of one service: the configured value, or preStop sleep + drain + margin: include "erp.gracePeriod" cfg. */}}
{{- define "erp.gracePeriod" -}}
{{- $sd := .shutdown -}}
{{- $needed := add (int $sd.preStopSleepSeconds) (int (ceil $sd.drainTimeoutSeconds)) (int $sd.marginSeconds) -}}
{{- if kindIs "invalid" .terminationGracePeriodSeconds -}}
{{- $needed -}}
{{- else -}}
{{- int .terminationGracePeriodSeconds -}}
{{- end -}}
{{- end -}}

{{/* Affinity of a pod as YAML: the anti-affinity preset merged under the user's affinity: include "erp.affinity" (list $ name track cfg). */}}
{{- define "erp.affinity" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $track := index . 2 -}}
{{- $cfg := index . 3 -}}
{{- $selector := dict "matchLabels" (merge (include "erp.selectorLabels" (list $root $name) | fromYaml) (dict "track" $track)) -}}
{{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" $selector -}}
{{- $preset := dict -}}
{{- if eq $cfg.podAntiAffinity "hard" -}}
{{- $preset = dict "podAntiAffinity" (dict "requiredDuringSchedulingIgnoredDuringExecution" (list $term)) -}}
{{- else if eq $cfg.podAntiAffinity "soft" -}}
{{- $preset = dict "podAntiAffinity" (dict "preferredDuringSchedulingIgnoredDuringExecution" (list (dict "weight" 100 "podAffinityTerm" $term))) -}}
{{- end -}}
{{- toYaml (mergeOverwrite $preset (deepCopy (default dict $cfg.affinity))) -}}
{{- end -}}

{{/* Placement of a one-shot pod (migration Job, helm test) from one service's settings: nodeSelector, tolerations, its own affinity (no anti-affinity preset), priorityClassName. */}}
{{- define "erp.placement" -}}
{{- with .priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
