// A fixed piece of work repeated, its thread CPU time per piece (docs/performance.md, 2026-12-02: does work on the other
// core slow this one down, without hardware counters?). gcc -O2 -o probe scripts/lib/core-probe.c; then e.g.
//   taskset -c 1 ./probe spin-alu 0 &   taskset -c 0 ./probe alu 1.5
// probe MODE SECONDS: alu = 2M steps of a dependent multiply-add chain (no memory); l2 = 2M dependent random reads in
// 256 KB; mem = 200k in 64 MB; the median thread-CPU ns per piece. spin-MODE: the same forever (a load for the other core).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdint.h>
static double tcpu(void){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec*1e9+t.tv_nsec;}
static double wall(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(int c,char**v){
  const char*m=v[1]; double secs=atof(v[2]); int spin=!strncmp(m,"spin-",5); if(spin)m+=5;
  size_t n = !strcmp(m,"l2") ? (256<<10)/8 : (64<<20)/8;
  uint64_t *a=0; if(strcmp(m,"alu")){a=malloc(n*8); // a random cycle
    for(size_t i=0;i<n;i++)a[i]=i; uint64_t s=88172645463325252ull;
    for(size_t i=n-1;i>0;i--){s^=s<<13;s^=s>>7;s^=s<<17;size_t j=s%(i+1);uint64_t t=a[i];a[i]=a[j];a[j]=t;}
    uint64_t *b=malloc(n*8); for(size_t i=0;i<n;i++)b[a[i]]=a[(i+1)%n]; free(a); a=b;}
  double r[100000]; int k=0; volatile uint64_t sink=0; double end=wall()+secs;
  while(spin||wall()<end){
    double t0=tcpu(); uint64_t x=1;
    if(!a){for(long i=0;i<2000000;i++){x=x*6364136223846793005ull+1442695040888963407ull;}}
    else{uint64_t p=0;for(long i=0;i<(strcmp(m,"l2")?200000:2000000) /* mem: 200k reads, l2: 2M */;i++)p=a[p];x=p;}
    sink+=x; if(!spin&&k<100000)r[k++]=tcpu()-t0;
  }
  qsort(r,k,sizeof(double),cmp); printf("%s %.0f ns/piece median (%d pieces, p10 %.0f p90 %.0f)\n",m,r[k/2],k,r[k/10],r[k*9/10]);
}
