import json,glob,collections,sys
for f in sys.argv[1:]:
    d=json.load(open(f))
    nodes={n['id']:n for n in d['nodes']}
    parent={}
    for n in d['nodes']:
        for c in n.get('children',[]): parent[c]=n['id']
    dt=d['timeDeltas']; samples=d['samples']
    self=collections.Counter(); incl=collections.Counter()
    def key(n):
        cf=n['callFrame']; return (cf['functionName'] or '(anon)')+' '+cf['url'].split('/')[-1]+':'+str(cf['lineNumber'])
    for s,t in zip(samples,dt):
        self[key(nodes[s])]+=t
        seen=set(); x=s
        while x in nodes:
            k=key(nodes[x])
            if k not in seen: incl[k]+=t; seen.add(k)
            x=parent.get(x)
    tot=sum(self.values())
    print(f, 'total %.0f ms, idle %.0f ms'%(tot/1000, self['(idle) :-1']/1000))
    for k,v in self.most_common(10): print('  self %7.1f ms %s'%(v/1000,k))
    for k,v in incl.most_common(40):
        if any(s in k for s in ['protobuf','Struct','serialize','deserial','toJavaScript','fromJavaScript','spawn','checkpoint','saveState','stringify','register','Step','runInPulumiStack','serializeFunction','compile']): print('  incl %7.1f ms %s'%(v/1000,k))
