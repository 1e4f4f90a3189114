# Regenerates cases.json from an upstream checkout of kubernetes-sigs/network-policy-api at the
# revision named in cases.json:  python3 extract-cases.py <checkout>/conformance/tests > cases.json
# It reads each ConformanceTest's manifests, its subtests in order, the pods each subtest fetches,
# the patches it makes (rule swaps, set fields, a prepended rule, a deleted NetworkPolicy) and
# every PokeServer call with its expected outcome.
import re, json, glob, os, sys
out = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], '*network-policy*.go'))):
  whole = open(f).read()
  for src in re.split(r'\nvar \w+ = suite\.ConformanceTest\{', whole)[1:]:
      short = re.search(r'ShortName:\s*"([^"]+)"', src).group(1)
      manifests = re.findall(r'"(base/[^"]+\.yaml)"', re.search(r'Manifests:\s*\[\]string\{([^}]*)\}', src).group(1))
      parts = re.split(r'\n\s*t\.Run\("', src)
      subs = []
      globalpods = {m.group(3): f'{m.group(1)}/{m.group(2)}' for m in re.finditer(r'client\.ObjectKey\{\s*Namespace:\s*"([^"]+)",\s*Name:\s*"([^"]+)",\s*\}, (?!np\))(\w+)\)', parts[0])}
      for part in parts[1:]:
          name = part[:part.index('"')]
          body = part
          # walk statements in order: pod fetches, mutations, pokes
          events = []
          pods = {}
          pending_var = None
          lines = body.split('\n')
          i = 0
          steps = []
          pokes = []
          raw = []
          # find ObjectKey fetches: var := &v1.Pod{} ... Namespace: "x", Name: "y" }, var)
          for m in re.finditer(r'client\.ObjectKey\{\s*Namespace:\s*"([^"]+)",\s*Name:\s*"([^"]+)",\s*\}, (?!np\))(\w+)\)', body):
              events.append((m.start(), 'pod', m.group(3), m.group(1), m.group(2)))
          for m in re.finditer(r'kubernetes\.PokeServer\(t, s\.ClientSet, &s\.KubeConfig, "([^"]+)", "([^"]+)", "(\w+)",\s*([\w.]+), int32\((\d+)\), s\.TimeoutConfig\.RequestTimeout, (true|false)\)', body):
              events.append((m.start(), 'poke', m.group(1), m.group(2), m.group(3), m.group(4), int(m.group(5)), m.group(6) == 'true'))
          for m in re.finditer(r'(\w+) := mutate\.Spec\.(Ingress|Egress)\[(\d+)\]\s*\n\s*mutate\.Spec\.\2\[\3\] = mutate\.Spec\.\2\[(\d+)\]\s*\n\s*mutate\.Spec\.\2\[\4\] = \1', body):
              events.append((m.start(), 'swap', m.group(2).lower(), int(m.group(3)), int(m.group(4))))
          swaps = [e for e in events if e[1]=='swap']
          # other mutation lines not covered by swaps
          for m in re.finditer(r'(\w+) := mutate(?:\.DeepCopy\(\))?\.Spec\.(Ingress|Egress)\[(\d+)\]\s*\n\s*\w+ := "(\w+)"', body):
              events.append((m.start(), 'op', {'set': [m.group(2).lower(), int(m.group(3)), 'ports'], 'value': [{'namedPort': m.group(4)}]}))
          for m in re.finditer(r'mutate\.Spec\.(Ingress|Egress)\[(\d+)\]\.Action = v1alpha1\.AdminNetworkPolicyRuleAction(\w+)', body):
              events.append((m.start(), 'op', {'set': [m.group(1).lower(), int(m.group(2)), 'action'], 'value': m.group(3)}))
          for m in re.finditer(r'mutate\.Spec\.Priority = (\d+)', body):
              events.append((m.start(), 'op', {'set': ['priority'], 'value': int(m.group(1))}))
          for m in re.finditer(r'client\.ObjectKey\{\s*Namespace:\s*"([^"]+)",\s*Name:\s*"([^"]+)",\s*\}, np\)[\s\S]*?s\.Client\.Delete\(ctx, np\)', body):
              events.append((m.start(), 'op', {'delete': ['NetworkPolicy', m.group(1), m.group(2)]}))
          for m in re.finditer(r'client\.ObjectKey\{\s*Name:\s*"([^"]+)",\s*\}, (anp|banp)\)', body):
              events.append((m.start(), 'target', m.group(1)))
          for m in re.finditer(r'newRule := \[\][\s\S]*?Name:\s*"([^"]+)",\s*Action:\s*"(\w+)",[\s\S]*?Networks: \[\]v1alpha1\.CIDR\{\s*v1alpha1\.CIDR\((\w+)\.Status\.PodIP \+ mask\),\s*v1alpha1\.CIDR\((\w+)\.Status\.PodIP \+ mask\),', body):
              events.append((m.start(), 'prepend', m.group(1), m.group(2), m.group(3), m.group(4)))
          for m in re.finditer(r'^\s*(mutate\.[^\n]*|[^\n]*mutate\.DeepCopy\(\)[^\n]*|err = s\.Client\.(Delete|Create|Update)\([^\n]*|[^\n]*:= &v1(alpha1)?\.\w+\{[^\n]*)$', body, re.M):
              text = m.group(1).strip()
              if re.match(r'mutate\.Spec\.(Ingress|Egress)\[\d+\] = (mutate\.Spec|\w+Rule$)', text) and any(abs(m.start()-s[0])<400 for s in swaps): continue
              if text.startswith('mutate := ') or re.search(r':= &v1(alpha1)?\.\w+\{\}$', text): continue
              if re.search(r'= (namedPortRule|dnsPortRule)$|\.Action = v1alpha1|Spec\.Priority = \d+$|Delete\(ctx, np\)|:= mutate(\.DeepCopy\(\))?\.Spec\.(In|E)gress\[\d+\]$|append\(newRule', text): continue
              events.append((m.start(), 'raw', text))
          events.sort(key=lambda e: e[0])
          podvars = dict(globalpods)
          target = None
          steps = []
          for e in events:
              if e[1]=='pod': podvars[e[2]] = f'{e[3]}/{e[4]}'
              elif e[1]=='target': target = e[2]
              elif e[1]=='swap': steps.append({'object': target, 'swap': [e[2], e[3], e[4]]})
              elif e[1]=='op': steps.append({'object': target, **e[2]} if 'delete' not in e[2] else e[2])
              elif e[1]=='prepend': steps.append({'object': target, 'prepend': 'egress', 'value': {'name': e[2], 'action': e[3], 'to': [{'networks': ['{podIP:' + podvars[e[4]] + '}/32', '{podIP:' + podvars[e[5]] + '}/32']}]}})
              elif e[1]=='raw': steps.append({'raw': e[2]})
              elif e[1]=='poke':
                  var = e[5].split('.')[0]
                  tgt = podvars.get(var) if e[5].endswith('.Status.PodIP') else None
                  steps.append({'poke': {'from': f'{e[2]}/{e[3]}', 'to': tgt or e[5], 'protocol': e[4].upper(), 'port': e[6], 'expect': e[7]}})
          subs.append({'name': name, 'steps': steps})
      out.append({'test': short, 'source': 'conformance/tests/' + os.path.basename(f), 'manifests': manifests, 'subtests': subs})
json.dump({'source': 'kubernetes-sigs/network-policy-api conformance/tests at 41f89d05651f103e466833f06f6af9828260868e (the last revision with AdminNetworkPolicy and BaselineAdminNetworkPolicy tests), Apache-2.0', 'tests': out}, sys.stdout, indent=1)
sys.exit(0)
for t in out:
    for s in t['subtests']:
        raws = [x['raw'] for x in s['steps'] if 'raw' in x]
        bad = [x['poke']['to'] for x in s['steps'] if 'poke' in x and '/' not in x['poke']['to']]
        npk = sum(1 for x in s['steps'] if 'poke' in x)
        print(t['test'], '|', s['name'][:60], '| pokes', npk, '| raw', raws, '| badtargets', bad)
